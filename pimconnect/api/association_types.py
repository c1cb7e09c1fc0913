"""Association types (§5.7): list, get, create, upsert and batch upsert.

Their two flags cannot change once created.
"""
from pimconnect.api.resources import Resource, register
from pimconnect.services.structure.rest import association_types as service

register(Resource(
    name="association_types", path="/association-types",
    acls=("pim_api_association_type_list", "pim_api_association_type_edit"),
    entities="association types", entity="Association type", page=service.list_association_types,
    get=service.get_association_type, create=service.create_association_type,
    upsert=service.upsert_association_type,
))
