"""What the 1EdTech OneRoster CSV binding (versions 1.2 and 1.1) says about the files this
installation reads: their names, their columns in order (exact case), which fields are
required and which vocabularies they draw from.

Only the rostering files are read. Gradebook and resource files (``lineItems.csv``,
``results.csv``, ``resources.csv`` …) may sit in the same ZIP and are ignored."""

MANIFEST = "manifest.csv"
MANIFEST_HEADER = ("propertyName", "value")

ORGS = "orgs.csv"
SESSIONS = "academicSessions.csv"
COURSES = "courses.csv"
CLASSES = "classes.csv"
USERS = "users.csv"
ROLES = "roles.csv"
ENROLLMENTS = "enrollments.csv"

# In the order they are read (a file's references point to files read before it).
ROSTER_FILES = (ORGS, SESSIONS, COURSES, CLASSES, USERS, ROLES, ENROLLMENTS)
# A roster needs at least these to mean anything on a first import.
CORE_FILES = (ORGS, SESSIONS, COURSES, CLASSES, USERS, ENROLLMENTS)

COMMON = ("sourcedId", "status", "dateLastModified")

HEADERS_12 = {
    ORGS: (*COMMON, "name", "type", "identifier", "parentSourcedId"),
    SESSIONS: (*COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    COURSES: (*COMMON, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects",
              "subjectCodes"),
    CLASSES: (*COMMON, "title", "grades", "courseSourcedId", "classCode", "classType", "location",
              "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
    USERS: (*COMMON, "enabledUser", "username", "userIds", "givenName", "familyName", "middleName", "identifier",
            "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier",
            "resourceSourcedIds", "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
            "primaryOrgSourcedId", "pronouns"),
    ROLES: (*COMMON, "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
            "userProfileSourcedId"),
    ENROLLMENTS: (*COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate",
                  "endDate"),
}

HEADERS_11 = {
    **{name: HEADERS_12[name] for name in (ORGS, SESSIONS, COURSES, CLASSES, ENROLLMENTS)},
    USERS: (*COMMON, "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName",
            "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"),
}

HEADERS = {"1.2": HEADERS_12, "1.1": HEADERS_11}

# Fields a row must fill (besides sourcedId), unless the row is ``tobedeleted``.
REQUIRED = {
    ORGS: ("name", "type"),
    SESSIONS: ("title", "type", "startDate", "endDate", "schoolYear"),
    COURSES: ("title", "orgSourcedId"),
    CLASSES: ("title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
    USERS: ("enabledUser", "givenName", "familyName"),
    ROLES: ("userSourcedId", "roleType", "role", "orgSourcedId"),
    ENROLLMENTS: ("classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
}
REQUIRED_11_USERS = ("enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName")

# The columns an import uses; the others are checked and then let go.
KEEP = {
    ORGS: {"name", "type", "identifier", "parentSourcedId"},
    SESSIONS: {"title", "type", "startDate", "endDate", "parentSourcedId"},
    COURSES: {"title", "orgSourcedId"},
    CLASSES: {"title", "courseSourcedId", "schoolSourcedId", "termSourcedIds"},
    USERS: {"enabledUser", "username", "givenName", "familyName", "identifier", "email", "preferredGivenName",
            "primaryOrgSourcedId", "orgSourcedIds", "role"},
    ROLES: {"userSourcedId", "roleType", "role", "orgSourcedId"},
    ENROLLMENTS: {"classSourcedId", "schoolSourcedId", "userSourcedId", "role"},
}

STATUSES = ("active", "tobedeleted")
MODES = ("bulk", "delta", "absent")
VERSIONS = ("1.1", "1.2")
BOOLEANS = ("true", "false")

ORG_TYPES = ("department", "district", "local", "national", "school", "state")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
CLASS_TYPES = ("homeroom", "scheduled")
ROLE_TYPES = ("primary", "secondary")
USER_ROLES_12 = ("aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor",
                 "relative", "siteAdministrator", "student", "systemAdministrator", "teacher")
USER_ROLES_11 = ("administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher")
ENROLLMENT_ROLES_12 = ("administrator", "proctor", "student", "teacher")
ENROLLMENT_ROLES_11 = USER_ROLES_11

# Columns a file may carry after the standard ones (OneRoster 1.2 "metadata" extensions).
EXTENSION_PREFIX = "metadata."
# Vocabularies may be extended with values that start with this (they are read as "other").
EXTENSION_VALUE_PREFIX = "ext:"
