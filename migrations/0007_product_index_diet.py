"""Product write speed: drop the indexes that another index already leads with, and keep product ids
out of the completeness ratio index.

Every index is one more B-tree entry per row written, and the product-keyed ones land on a random
page (product uuids are random): the single-column indexes below duplicate the first column of a
composite index the same queries use (and that the cascades find), so they only cost writes. The
ratio index no longer ends with the product: ``(channel, locale, ratio)`` finds the same rows, and
its new entries append instead of landing on a random page per channel and locale.
"""

REDUNDANT = (
    ("product", "product_family_id"),  # (family, identifier)
    ("product", "product_enabled"),  # (enabled, identifier)
    ("product_category", "productcategory_product_id"),  # unique (product, category)
    ("product_category", "productcategory_category_id"),  # (category, product)
    ("product_completeness", "productcompleteness_product_id"),  # unique (product, channel, locale)
    ("product_completeness", "productcompleteness_channel_id"),  # (channel, locale, ratio)
    ("product_value", "productvalue_product_id"),  # unique (product, attribute, locale, scope, key)
    ("product_value", "productvalue_attribute_id"),  # (attribute, locale, scope, text)
)


def up(migrator, db):
    operations = [migrator.drop_index(table, name) for table, name in REDUNDANT]
    operations.append(migrator.drop_index("product_completeness",
                                          "productcompleteness_channel_id_locale_id_ratio_product_id"))
    operations.append(migrator.add_index("product_completeness", ("channel_id", "locale_id", "ratio"), False))
    migrator.migrate(*operations)
