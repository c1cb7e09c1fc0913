"""Channels (§5.8): list, get, create, upsert and batch upsert.

New locales or currencies of a channel recompute the completeness.
"""
from pimconnect.api.resources import Resource, register
from pimconnect.services.structure.rest import channels as service

register(Resource(
    name="channels", path="/channels", acls=("pim_api_channel_list", "pim_api_channel_edit"),
    entities="channels", entity="Channel", page=service.list_channels, get=service.get_channel,
    create=service.create_channel, upsert=service.upsert_channel,
))
