"""Apps: the App Store, connecting (authorize, wizard, codes, tokens, OpenID), connected and custom apps."""
