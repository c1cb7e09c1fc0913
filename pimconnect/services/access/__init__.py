"""Who may do what: users, roles, user groups, logging in, passwords, the audit log and permissions."""
