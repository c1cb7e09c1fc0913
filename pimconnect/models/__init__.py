"""Every model, in dependency order; ``ALL_MODELS`` is what migrations and tests create."""
from pimconnect.models.access import LoginThrottle, Role, User, UserGroup, UserGroupMember, UserRole, UserSession
from pimconnect.models.api import ApiClient, ApiToken, BusinessError, Connection, RevokedAppToken
from pimconnect.models.apps import (
    AuthCode,
    AuthCodeToken,
    CodeIdentifier,
    ConnectedApp,
    CustomApp,
    MarketplaceApp,
    OpenIdKey,
    PendingAuthorization,
    UserConsent,
)
from pimconnect.models.audit import SecurityEvent
from pimconnect.models.catalogs import Catalog
from pimconnect.models.drafts import ProductDraft
from pimconnect.models.jobs import Job
from pimconnect.models.notifications import Notification
from pimconnect.models.structure import (
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeRequirement,
    Category,
    Channel,
    ChannelCurrency,
    ChannelLocale,
    Currency,
    Family,
    FamilyAttribute,
    Locale,
    MeasurementFamily,
    MeasurementUnit,
    MediaFile,
)
from pimconnect.models.permissions import AttributeGroupPermission, CategoryPermission, LocalePermission
from pimconnect.models.product import Product, ProductCategory, ProductCompleteness, ProductValue

ALL_MODELS = [
    Locale,
    Currency,
    MeasurementFamily,
    MeasurementUnit,
    Category,
    Channel,
    ChannelLocale,
    ChannelCurrency,
    AttributeGroup,
    Attribute,
    AttributeOption,
    Family,
    FamilyAttribute,
    AttributeRequirement,
    AssociationType,
    MediaFile,
    Product,
    ProductCategory,
    ProductValue,
    ProductCompleteness,
    Role,
    UserGroup,
    User,
    UserRole,
    UserGroupMember,
    LoginThrottle,
    UserSession,
    SecurityEvent,
    ApiClient,
    Connection,
    ApiToken,
    MarketplaceApp,
    CustomApp,
    ConnectedApp,
    PendingAuthorization,
    AuthCode,
    AuthCodeToken,
    CodeIdentifier,
    UserConsent,
    OpenIdKey,
    CategoryPermission,
    LocalePermission,
    AttributeGroupPermission,
    Notification,
    Job,
    Catalog,
    RevokedAppToken,
    BusinessError,
    ProductDraft,
]
API_MODELS = [ApiClient, Connection, ApiToken]

__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "API_MODELS"]
