"""Demo products (Hat, Braided hat, every attribute type) and the bulk catalog generator."""
import struct
import zlib

from pimconnect.models import (
    Attribute,
    Category,
    MediaFile,
    Product,
    ProductCategory,
    ProductCompleteness,
    ProductValue,
)
from pimconnect.services.demo import generator
from pimconnect.services.products.completeness import completeness_for
from pimconnect.services.products.writes import save_product


def trees_of(product):
    """The codes of the category trees a product is classified in."""
    roots = (Category.select(Category.root).join(ProductCategory)
             .where(ProductCategory.product == product.uuid))
    return {c.code for c in Category.select().where(Category.id.in_(roots))}


def test_demo_products_count_and_documentation_products(seeded_app, conn):
    """demo_products creates Hat (Ecommerce tree only) and Braided hat (Print tree only) up to count."""
    assert generator.demo_products(40) == 40
    hat = Product.get(identifier="hat")
    braided = Product.get(identifier="braided_hat")
    assert trees_of(hat) == {"ecommerce"}
    assert trees_of(braided) == {"print"}
    assert {e["locale"] for e in hat.values["name"]} == {"en_US", "fr_FR", "de_DE"}


def test_hat_fr_description_is_the_only_gap_on_ecommerce_fr(seeded_app, conn):
    """Filling Hat's fr_FR ecommerce description raises its ecommerce fr_FR completeness to 100%."""
    generator.demo_products(2)
    hat = Product.get(identifier="hat")
    fr = next(c for c in completeness_for(hat) if (c["scope"], c["locale"]) == ("ecommerce", "fr_FR"))
    assert (fr["data"], fr["missing"]) == (83, ["description"])
    hat = save_product({"values": {"description": [{"locale": "fr_FR", "scope": "ecommerce",
                                                    "data": "Un chapeau de paille léger."}]}}, hat)
    fr = next(c for c in completeness_for(hat) if (c["scope"], c["locale"]) == ("ecommerce", "fr_FR"))
    assert fr["data"] == 100


def test_demo_products_use_every_attribute_type(seeded_app, conn):
    """The demo catalog holds values of every attribute type, families and varied completeness."""
    generator.demo_products(60)
    used = (Attribute.select(Attribute.type).join(ProductValue, on=(ProductValue.attribute == Attribute.id))
            .distinct())
    assert {a.type for a in used} == {a.type for a in Attribute.select(Attribute.type).distinct()}
    families = Product.select(Product.family).where(Product.family.is_null(False)).distinct().count()
    assert families == 4
    ratios = {c.ratio for c in ProductCompleteness.select(ProductCompleteness.ratio)}
    assert len(ratios) > 5 and 100 in ratios


def test_demo_pictures_are_real_pngs(seeded_app, conn):
    """The demo pictures are valid PNG files."""
    generator.demo_products(2)
    picture = MediaFile.get(MediaFile.mime_type == "image/png")
    content = bytes(picture.content)
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", content[16:24])
    assert (width, height) == (8, 8)
    assert zlib.decompress(content[content.index(b"IDAT") + 4:-16])  # the pixel data inflates


def test_demo_products_are_deterministic_and_valid(seeded_app, conn):
    """Generated demo products pass the same validation as a user's save."""
    generator.demo_products(12)
    first = Product.get(identifier="demo-00000001")
    saved = save_product({"values": first.values}, first)
    assert saved.values == first.values and saved.version == 2


def test_generate_adds_products_with_index_and_completeness(seeded_app, conn):
    """generate adds count products in batches, with value and completeness rows, and reports a rate."""
    generator.demo_products(5)
    seen = []
    rate = generator.generate(250, batch=100, progress=seen.append)
    assert rate > 0
    assert seen == [100, 100, 50]
    assert Product.select().count() == 255
    generated = Product.select().where(Product.identifier ** "gen-%")
    assert generated.count() == 250
    assert ProductCompleteness.select().where(ProductCompleteness.product.in_(generated)).count() == 250 * 7
    assert ProductValue.select().where(ProductValue.product.in_(generated)).count() > 250 * 5


def test_generate_continues_identifiers(seeded_app, conn):
    """A second run continues after the highest gen- identifier, without collisions."""
    generator.generate(3)
    generator.generate(2)
    identifiers = sorted(p.identifier for p in Product.select())
    assert identifiers == [f"gen-{n:08d}" for n in range(1, 6)]


def test_generated_product_index_matches_a_save(seeded_app, conn):
    """A generated product's index rows are the ones a save computes."""
    generator.generate(3)
    product = Product.get(identifier="gen-00000002")
    def rows():
        return sorted((r.attribute_id, r.locale, r.scope, r.key, r.text, r.number, r.boolean, str(r.date))
                      for r in ProductValue.select().where(ProductValue.product == product.uuid))
    before = rows()
    save_product({"values": product.values}, product)
    assert rows() == before
