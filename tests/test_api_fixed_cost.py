"""A small request's fixed cost (issue 16): the bearer check, the role's permissions and the page's
statement are rendered once per process, and what they build is what Peewee's own paths build."""
from pimconnect import permissions
from pimconnect.db import db
from pimconnect.models import ApiClient, ApiToken, Role, User, UserRole
from pimconnect.services.connections import tokens
from tests.factories import make_product

URL = "/api/rest/v1/products-uuid"


def test_the_bearer_check_builds_the_models_peewee_builds(api, seeded_app):
    with db.connection_context():
        token, problem = tokens.check_access_token(api.token)
        assert problem is None
        expected = (ApiToken.select(ApiToken, ApiClient, User).join(ApiClient).switch(ApiToken).join(User)
                    .where(ApiToken.id == token.id).get())
        assert token.__data__ == expected.__data__ and not token._dirty
        assert token.client.__data__ == expected.client.__data__
        assert token.user.__data__ == expected.user.__data__
        assert token.user.id == token.user_id and token.client.id == token.client_id
        assert tokens.check_access_token("nope")[0] is None


def test_role_permissions_are_the_union_of_the_user_roles(api, seeded_app):
    with db.connection_context():
        user = tokens.check_access_token(api.token)[0].user
        roles = Role.select(Role.permissions).join(UserRole).where(UserRole.user == user.id)
        expected = frozenset(code for role in roles for code in role.permissions or []
                             if code in permissions.PERMISSIONS)
        assert permissions.user_permissions(user) == expected and expected


def test_offset_pages_are_the_general_paths_pages(api, seeded_app):
    made = sorted(str(make_product(f"p{n}").uuid) for n in range(7))
    first = api.get(f"{URL}?limit=3").get_json()["_embedded"]["items"]
    third = api.get(f"{URL}?limit=3&page=3").get_json()["_embedded"]["items"]
    assert [item["uuid"] for item in first] == made[:3]
    assert [item["uuid"] for item in third] == made[6:]
