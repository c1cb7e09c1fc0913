"""Initial schema: the catalog structure, products, users and roles (frozen copy of the models)."""
from peewee import *
import uuid


def up(migrator, db):
    class AssociationType(Model):
        code = CharField(unique=True, max_length=100)
        labels = JSONField(default=dict)
        is_quantified = BooleanField(default=False)
        is_two_way = BooleanField(default=False)
        updated = DateTimeField()
        class Meta:
            database = db
            table_name = 'association_type'
    db.create_tables([AssociationType])

    class AttributeGroup(Model):
        code = CharField(unique=True, max_length=100)
        sort_order = IntegerField(default=0)
        labels = JSONField(default=dict)
        updated = DateTimeField()
        class Meta:
            database = db
            table_name = 'attribute_group'
    db.create_tables([AttributeGroup])

    class Attribute(Model):
        code = CharField(unique=True, max_length=100)
        type = CharField(index=True, max_length=50)
        group = ForeignKeyField(AttributeGroup, on_delete='RESTRICT')
        labels = JSONField(default=dict)
        sort_order = IntegerField(default=0)
        localizable = BooleanField(default=False)
        scopable = BooleanField(default=False)
        unique = BooleanField(default=False)
        available_locales = JSONField(default=list)
        useable_as_grid_filter = BooleanField(default=False)
        max_characters = IntegerField(null=True)
        validation_rule = CharField(null=True, max_length=20)
        validation_regexp = CharField(null=True)
        wysiwyg_enabled = BooleanField(null=True)
        number_min = CharField(null=True, max_length=40)
        number_max = CharField(null=True, max_length=40)
        decimals_allowed = BooleanField(null=True)
        negative_allowed = BooleanField(null=True)
        metric_family = CharField(null=True, max_length=100)
        default_metric_unit = CharField(null=True, max_length=100)
        date_min = CharField(null=True, max_length=10)
        date_max = CharField(null=True, max_length=10)
        allowed_extensions = JSONField(default=list)
        max_file_size = CharField(null=True, max_length=20)
        updated = DateTimeField()
        class Meta:
            database = db
            table_name = 'attribute'
    db.create_tables([Attribute])

    class AttributeOption(Model):
        attribute = ForeignKeyField(Attribute, on_delete='CASCADE')
        code = CharField(max_length=100)
        sort_order = IntegerField(default=0)
        labels = JSONField(default=dict)
        class Meta:
            database = db
            table_name = 'attribute_option'
            indexes = ((('attribute', 'code'), True),)
    db.create_tables([AttributeOption])

    class Family(Model):
        code = CharField(unique=True, max_length=100)
        labels = JSONField(default=dict)
        attribute_as_label = ForeignKeyField(Attribute, null=True, on_delete='SET NULL')
        attribute_as_image = ForeignKeyField(Attribute, null=True, on_delete='SET NULL')
        updated = DateTimeField()
        class Meta:
            database = db
            table_name = 'family'
    db.create_tables([Family])

    class Category(Model):
        code = CharField(unique=True, max_length=100)
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        root = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        path = CharField(index=True, max_length=1000, default='')
        level = IntegerField(default=0)
        sort_order = IntegerField(default=0)
        labels = JSONField(default=dict)
        updated = DateTimeField()
        class Meta:
            database = db
            table_name = 'category'
    db.create_tables([Category])

    class Channel(Model):
        code = CharField(unique=True, max_length=100)
        labels = JSONField(default=dict)
        category_tree = ForeignKeyField(Category, on_delete='RESTRICT')
        conversion_units = JSONField(default=dict)
        updated = DateTimeField()
        class Meta:
            database = db
            table_name = 'channel'
    db.create_tables([Channel])

    class AttributeRequirement(Model):
        family = ForeignKeyField(Family, on_delete='CASCADE')
        channel = ForeignKeyField(Channel, on_delete='CASCADE')
        attribute = ForeignKeyField(Attribute, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'attribute_requirement'
            indexes = ((('family', 'channel', 'attribute'), True),)
    db.create_tables([AttributeRequirement])

    class Currency(Model):
        code = CharField(unique=True, max_length=3)
        enabled = BooleanField(index=True, default=True)
        class Meta:
            database = db
            table_name = 'currency'
    db.create_tables([Currency])

    class ChannelCurrency(Model):
        channel = ForeignKeyField(Channel, on_delete='CASCADE')
        currency = ForeignKeyField(Currency, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'channel_currency'
            indexes = ((('channel', 'currency'), True),)
    db.create_tables([ChannelCurrency])

    class Locale(Model):
        code = CharField(unique=True, max_length=20)
        enabled = BooleanField(index=True, default=False)
        class Meta:
            database = db
            table_name = 'locale'
    db.create_tables([Locale])

    class ChannelLocale(Model):
        channel = ForeignKeyField(Channel, on_delete='CASCADE')
        locale = ForeignKeyField(Locale, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'channel_locale'
            indexes = ((('channel', 'locale'), True),)
    db.create_tables([ChannelLocale])

    class FamilyAttribute(Model):
        family = ForeignKeyField(Family, on_delete='CASCADE')
        attribute = ForeignKeyField(Attribute, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'family_attribute'
            indexes = ((('family', 'attribute'), True),)
    db.create_tables([FamilyAttribute])

    class LoginThrottle(Model):
        key = CharField(unique=True)
        failures = IntegerField(default=0)
        window_start = DateTimeField()
        locked_until = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'login_throttle'
    db.create_tables([LoginThrottle])

    class MeasurementFamily(Model):
        code = CharField(unique=True, max_length=100)
        labels = JSONField(default=dict)
        standard_unit = CharField(max_length=100)
        class Meta:
            database = db
            table_name = 'measurement_family'
    db.create_tables([MeasurementFamily])

    class MeasurementUnit(Model):
        family = ForeignKeyField(MeasurementFamily, on_delete='CASCADE')
        code = CharField(max_length=100)
        labels = JSONField(default=dict)
        symbol = CharField(max_length=50, default='')
        convert_from_standard = JSONField(default=list)
        sort_order = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'measurement_unit'
            indexes = ((('family', 'code'), True),)
    db.create_tables([MeasurementUnit])

    class MediaFile(Model):
        code = CharField(unique=True)
        original_filename = CharField()
        mime_type = CharField(max_length=100)
        size = IntegerField()
        extension = CharField(max_length=20, default='')
        content = BlobField()
        created = DateTimeField()
        class Meta:
            database = db
            table_name = 'media_file'
    db.create_tables([MediaFile])

    class Product(Model):
        uuid = UUIDField(primary_key=True, default=uuid.uuid4)
        identifier = CharField(unique=True)
        enabled = BooleanField(index=True, default=True)
        family = ForeignKeyField(Family, null=True, on_delete='RESTRICT')
        values = JSONField(default=dict)
        created = DateTimeField()
        updated = DateTimeField(index=True)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'product'
            indexes = ((('family', 'enabled', 'identifier'), False), (('family', 'identifier'), False), (('enabled', 'identifier'), False))
    db.create_tables([Product])

    class ProductCategory(Model):
        product = ForeignKeyField(Product, on_delete='CASCADE')
        category = ForeignKeyField(Category, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'product_category'
            indexes = ((('product', 'category'), True), (('category', 'product'), False))
    db.create_tables([ProductCategory])

    class ProductCompleteness(Model):
        product = ForeignKeyField(Product, on_delete='CASCADE')
        channel = ForeignKeyField(Channel, on_delete='CASCADE')
        locale = ForeignKeyField(Locale, on_delete='CASCADE')
        required = IntegerField()
        missing_count = IntegerField()
        ratio = IntegerField()
        missing = JSONField(default=list)
        class Meta:
            database = db
            table_name = 'product_completeness'
            indexes = ((('product', 'channel', 'locale'), True), (('channel', 'locale', 'ratio', 'product'), False))
    db.create_tables([ProductCompleteness])

    class ProductValue(Model):
        product = ForeignKeyField(Product, on_delete='CASCADE')
        attribute = ForeignKeyField(Attribute, on_delete='CASCADE')
        locale = CharField(max_length=20, default='')
        scope = CharField(max_length=100, default='')
        key = CharField(default='')
        text = CharField(null=True)
        number = DoubleField(null=True)
        boolean = BooleanField(null=True)
        date = DateField(null=True)
        class Meta:
            database = db
            table_name = 'product_value'
            indexes = ((('product', 'attribute', 'locale', 'scope', 'key'), True), (('attribute', 'locale', 'scope', 'text'), False), (('attribute', 'locale', 'scope', 'number'), False), (('attribute', 'locale', 'scope', 'boolean'), False), (('attribute', 'locale', 'scope', 'date'), False))
    db.create_tables([ProductValue])

    class Role(Model):
        code = CharField(unique=True, max_length=100)
        label = CharField()
        permissions = JSONField(default=list)
        type = CharField(max_length=20, default='default')
        class Meta:
            database = db
            table_name = 'role'
    db.create_tables([Role])

    class User(Model):
        username = CharField(unique=True, max_length=100)
        email = CharField(unique=True)
        first_name = CharField(max_length=100, default='')
        last_name = CharField(max_length=100, default='')
        password_hash = CharField()
        enabled = BooleanField(default=True)
        type = CharField(max_length=20, default='user')
        catalog_locale = CharField(max_length=20, default='en_US')
        catalog_scope = CharField(max_length=100, default='ecommerce')
        session_version = IntegerField(default=1)
        created = DateTimeField()
        last_login = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class SecurityEvent(Model):
        created = DateTimeField()
        event = CharField(max_length=64)
        user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        username = CharField(default='')
        remote_addr = CharField(max_length=64, default='')
        detail = JSONField(default=dict)
        class Meta:
            database = db
            table_name = 'security_event'
            indexes = ((('event', 'created'), False), (('user', 'created'), False))
    db.create_tables([SecurityEvent])

    class UserGroup(Model):
        name = CharField(unique=True)
        type = CharField(max_length=20, default='default')
        class Meta:
            database = db
            table_name = 'user_group'
    db.create_tables([UserGroup])

    class UserGroupMember(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        group = ForeignKeyField(UserGroup, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'user_group_member'
            indexes = ((('user', 'group'), True),)
    db.create_tables([UserGroupMember])

    class UserRole(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        role = ForeignKeyField(Role, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'user_role'
            indexes = ((('user', 'role'), True),)
    db.create_tables([UserRole])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('user_role'))
    migrator.migrate(migrator.drop_table('user_group_member'))
    migrator.migrate(migrator.drop_table('user_group'))
    migrator.migrate(migrator.drop_table('security_event'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('role'))
    migrator.migrate(migrator.drop_table('product_value'))
    migrator.migrate(migrator.drop_table('product_completeness'))
    migrator.migrate(migrator.drop_table('product_category'))
    migrator.migrate(migrator.drop_table('product'))
    migrator.migrate(migrator.drop_table('media_file'))
    migrator.migrate(migrator.drop_table('measurement_unit'))
    migrator.migrate(migrator.drop_table('measurement_family'))
    migrator.migrate(migrator.drop_table('login_throttle'))
    migrator.migrate(migrator.drop_table('family_attribute'))
    migrator.migrate(migrator.drop_table('channel_locale'))
    migrator.migrate(migrator.drop_table('locale'))
    migrator.migrate(migrator.drop_table('channel_currency'))
    migrator.migrate(migrator.drop_table('currency'))
    migrator.migrate(migrator.drop_table('attribute_requirement'))
    migrator.migrate(migrator.drop_table('channel'))
    migrator.migrate(migrator.drop_table('category'))
    migrator.migrate(migrator.drop_table('family'))
    migrator.migrate(migrator.drop_table('attribute_option'))
    migrator.migrate(migrator.drop_table('attribute'))
    migrator.migrate(migrator.drop_table('attribute_group'))
    migrator.migrate(migrator.drop_table('association_type'))
