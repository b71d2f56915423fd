"""The Microsoft Teams edge (Teams SDK for Python, Microsoft Graph).

Imported only when Teams is configured (CLIENT_ID): the SDK and msgraph are heavy. Deleting
this folder leaves Slack and the console working.
"""
