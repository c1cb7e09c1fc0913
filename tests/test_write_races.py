"""Check-then-write races between concurrent writers, on SQLite and PostgreSQL: two products saving the
same unique value, and an option deleted while a product is saved with it. Real threads, each with its
own database connection, released together by a barrier, many rounds."""
import threading
from concurrent.futures import ThreadPoolExecutor

from pimconnect.db import db, write_txn
from pimconnect.models import AttributeOption, Attribute, ProductValue
from pimconnect.services.errors import Invalid
from pimconnect.services.structure import attribute_options
from pimconnect.services.products.writes import ValidationFailed, save_product

ROUNDS = 15
WRITERS = 4


def _in_threads(app, jobs):
    """Run the callables together (a barrier releases them at once); their results or exceptions."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        with app.app_context(), db.connection_context():
            barrier.wait(timeout=30)
            try:
                return job()
            except Exception as exc:  # noqa: BLE001 - the test counts refusals
                return exc

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _ean(number):
    return f"{number:013d}"


def test_concurrent_saves_of_one_unique_value_leave_exactly_one(seeded_app):
    for round_number in range(ROUNDS):
        ean = _ean(round_number)
        jobs = [lambda w=w: save_product({"identifier": f"p{round_number}-{w}", "family": "hats",
                                          "values": {"ean": [{"locale": None, "scope": None, "data": ean}]}})
                for w in range(WRITERS)]
        results = _in_threads(seeded_app, jobs)
        refused = [r for r in results if isinstance(r, ValidationFailed)]
        assert len(refused) == WRITERS - 1, results
        with seeded_app.app_context(), db.connection_context():
            ean_id = Attribute.get(Attribute.code == "ean").id
            holders = ProductValue.select().where(ProductValue.attribute == ean_id, ProductValue.text == ean)
            assert holders.count() == 1


def test_deleting_an_option_while_a_product_is_saved_with_it_leaves_no_dangling_value(seeded_app):
    with seeded_app.app_context(), db.connection_context():
        color = Attribute.get(Attribute.code == "color")
    for round_number in range(ROUNDS):
        code = f"tint{round_number}"
        with seeded_app.app_context(), db.connection_context(), write_txn():
            AttributeOption.create(attribute=color.id, code=code)

        def save():
            return save_product({"identifier": f"c{round_number}", "family": "hats",
                                 "values": {"color": [{"locale": None, "scope": None, "data": code}]}})

        def delete():
            option = AttributeOption.get_or_none(AttributeOption.attribute == color.id, AttributeOption.code == code)
            attribute_options.delete_option(option)

        results = _in_threads(seeded_app, [save, delete])
        assert all(isinstance(r, (ValidationFailed, Invalid)) or not isinstance(r, Exception)
                   for r in results), results
        with seeded_app.app_context(), db.connection_context():
            option_left = AttributeOption.select().where(AttributeOption.attribute == color.id,
                                                         AttributeOption.code == code).exists()
            used = ProductValue.select().where(ProductValue.attribute == color.id, ProductValue.text == code).exists()
            assert used <= option_left, f"round {round_number}: a product keeps the deleted option {code}"
