"""School sign-in with OpenID Connect (Google Workspace for Education, Microsoft Entra ID and
any standard provider such as Clever, ClassLink or Keycloak)."""
