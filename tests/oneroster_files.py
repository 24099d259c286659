"""OneRoster CSV ZIPs written from the specification, for the tests and the benchmark.

:func:`small_district` is a readable roster (one district, two schools, a year with two
semesters, two courses, three classes, two teachers, an administrator, a parent and four
students); :func:`big_district` the benchmark's generated one. Both return
``{file name: [rows as dicts]}``; :func:`write_zip` turns that into a ZIP."""

import csv
import io
import zipfile

from cbl.rosters import spec

STAMP = "2026-08-01T12:00:00.000Z"


def row(file: str, version: str = "1.2", **values) -> dict:
    """A row of ``file`` with every standard column (empty unless given)."""
    columns = spec.HEADERS[version][file]
    unknown = set(values) - set(columns)
    assert not unknown, f"{file} has no columns {unknown}"
    return {c: values.get(c, "") for c in columns}


def org(sid, name, type_="school", identifier="", parent="", **kw):
    return row(spec.ORGS, sourcedId=sid, name=name, type=type_, identifier=identifier, parentSourcedId=parent, **kw)


def session(sid, title, type_, start, end, parent="", year="2027", **kw):
    return row(spec.SESSIONS, sourcedId=sid, title=title, type=type_, startDate=start, endDate=end,
               parentSourcedId=parent, schoolYear=year, **kw)


def course(sid, title, org_sid, **kw):
    return row(spec.COURSES, sourcedId=sid, title=title, orgSourcedId=org_sid, **kw)


def klass(sid, title, course_sid, school, terms, **kw):
    return row(spec.CLASSES, sourcedId=sid, title=title, courseSourcedId=course_sid, classType="scheduled",
               schoolSourcedId=school, termSourcedIds=terms, **kw)


def user(sid, given, family, username="", email="", identifier="", enabled="true", **kw):
    return row(spec.USERS, sourcedId=sid, enabledUser=enabled, username=username, givenName=given, familyName=family,
               identifier=identifier, email=email, **kw)


def role(sid, user_sid, role_, org_sid, role_type="primary", **kw):
    return row(spec.ROLES, sourcedId=sid, userSourcedId=user_sid, roleType=role_type, role=role_, orgSourcedId=org_sid,
               **kw)


def enrollment(sid, class_sid, school, user_sid, role_="student", **kw):
    return row(spec.ENROLLMENTS, sourcedId=sid, classSourcedId=class_sid, schoolSourcedId=school,
               userSourcedId=user_sid, role=role_, **kw)


def small_district() -> dict[str, list[dict]]:
    return {
        spec.ORGS: [org("d1", "Riverside District", "district"),
                    org("s1", "Riverside Middle School", identifier="RMS", parent="d1"),
                    org("s2", "Hillside Elementary", identifier="HES", parent="d1")],
        spec.SESSIONS: [session("y1", "2026-2027", "schoolYear", "2026-08-20", "2027-06-15"),
                        session("t1", "Fall 2026", "semester", "2026-08-20", "2027-01-15", parent="y1"),
                        session("t2", "Spring 2027", "semester", "2027-01-16", "2027-06-15", parent="y1")],
        spec.COURSES: [course("c-sci", "Science 7", "s1"), course("c-math", "Math 7", "s1")],
        spec.CLASSES: [klass("k1", "Period 1", "c-sci", "s1", "t1"),
                       klass("k2", "Period 2", "c-sci", "s1", "t1"),
                       klass("k3", "Math 7 - Period 3", "c-math", "s1", "t1,t2")],
        spec.USERS: [user("u-t1", "Ana", "Rivera", "arivera", "ana.rivera@rms.example", "T-001"),
                     user("u-t2", "Ben", "Okafor", "bokafor", "ben.okafor@rms.example", "T-002"),
                     user("u-a1", "Carmen", "Diaz", "cdiaz", "carmen.diaz@rms.example", "A-001"),
                     user("u-p1", "Pat", "Lee", "plee", "pat.lee@family.example"),
                     user("u-s1", "Maya", "Chen", "mchen", "", "S-1001", preferredGivenName="May"),
                     user("u-s2", "Leo", "Park", "lpark", "", "S-1002"),
                     user("u-s3", "Noah", "Silva", "nsilva", "noah.silva@rms.example", "S-1003"),
                     user("u-s4", "Ivy", "Moreno", "imoreno", "", "S-1004")],
        spec.ROLES: [role("r-t1", "u-t1", "teacher", "s1"), role("r-t2", "u-t2", "teacher", "s1"),
                     role("r-a1", "u-a1", "principal", "s1"), role("r-p1", "u-p1", "parent", "s1"),
                     role("r-s1", "u-s1", "student", "s1"), role("r-s2", "u-s2", "student", "s1"),
                     role("r-s3", "u-s3", "student", "s1"), role("r-s4", "u-s4", "student", "s2")],
        spec.ENROLLMENTS: [enrollment("e-t1", "k1", "s1", "u-t1", "teacher", primary="true"),
                           enrollment("e-t2", "k2", "s1", "u-t2", "teacher", primary="true"),
                           enrollment("e-t3", "k3", "s1", "u-t1", "teacher", primary="true"),
                           enrollment("e-s1", "k1", "s1", "u-s1"), enrollment("e-s2", "k1", "s1", "u-s2"),
                           enrollment("e-s3", "k2", "s1", "u-s3"), enrollment("e-s4", "k3", "s1", "u-s1")],
    }


def big_district(users: int = 20_000, classes: int = 1_000, enrollments: int = 60_000,
                 schools: int = 20) -> dict[str, list[dict]]:
    """A district of ``schools`` schools; a teacher per class, the rest students; each student
    in ``enrollments / students`` classes of their school."""
    school_ids = [f"school-{i}" for i in range(schools)]
    files = {
        spec.ORGS: [org("district", "Big District", "district")]
        + [org(s, f"School {i}", identifier=f"SCH{i}", parent="district") for i, s in enumerate(school_ids)],
        spec.SESSIONS: [session("year", "2026-2027", "schoolYear", "2026-08-20", "2027-06-15"),
                        session("fall", "Fall", "semester", "2026-08-20", "2027-01-15", parent="year")],
        spec.COURSES: [course(f"course-{s}", f"Course of {s}", s) for s in school_ids],
    }
    class_rows, user_rows, role_rows, enrol_rows = [], [], [], []
    for i in range(classes):
        school = school_ids[i % schools]
        class_rows.append(klass(f"class-{i}", f"Section {i}", f"course-{school}", school, "fall"))
        user_rows.append(user(f"teacher-{i}", "Teacher", f"Number{i}", f"teacher{i}", f"teacher{i}@district.example",
                              f"T{i:06d}"))
        role_rows.append(role(f"role-teacher-{i}", f"teacher-{i}", "teacher", school))
        enrol_rows.append(enrollment(f"enr-teacher-{i}", f"class-{i}", school, f"teacher-{i}", "teacher"))
    students = users - classes
    per_student = max(1, (enrollments - classes) // students)
    for n in range(students):
        school_index = n % schools
        school = school_ids[school_index]
        user_rows.append(user(f"student-{n}", "Student", f"Number{n}", f"student{n}", "", f"S{n:07d}"))
        role_rows.append(role(f"role-student-{n}", f"student-{n}", "student", school))
        school_classes = range(school_index, classes, schools)
        for k in range(per_student):
            class_index = school_classes[(n // schools + k * 7) % len(school_classes)]
            enrol_rows.append(enrollment(f"enr-{n}-{k}", f"class-{class_index}", school, f"student-{n}"))
    files.update({spec.CLASSES: class_rows, spec.USERS: user_rows, spec.ROLES: role_rows,
                  spec.ENROLLMENTS: enrol_rows})
    return files


def manifest(files, mode: str = "bulk", version: str = "1.2", modes: dict | None = None) -> list[list[str]]:
    lines = [["propertyName", "value"], ["manifest.version", "1.0"], ["oneroster.version", version]]
    for name in spec.ROSTER_FILES:
        chosen = (modes or {}).get(name, mode if name in files else "absent")
        lines.append([f"file.{name.removesuffix('.csv')}", chosen])
    lines += [["source.systemName", "Example SIS"], ["source.systemCode", "example"]]
    return lines


def csv_text(rows: list[dict], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header is None:
        header = list(rows[0]) if rows else []
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(c, "") for c in header])
    return out.getvalue()


def write_zip(target, files: dict[str, list[dict]], mode: str = "bulk", version: str = "1.2",
              modes: dict | None = None, raw: dict[str, bytes] | None = None, headers: dict | None = None,
              manifest_lines: list[list[str]] | None = None):
    """Write the roster ZIP to ``target`` (a path or a binary file); ``raw`` adds or replaces
    members byte for byte, ``headers`` replaces a file's header line."""
    raw = dict(raw or {})
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        if spec.MANIFEST not in raw:
            lines = manifest_lines or manifest(files, mode, version, modes)
            archive.writestr(spec.MANIFEST, "".join(",".join(line) + "\r\n" for line in lines))
        for name, rows in files.items():
            if name in raw:
                continue
            header = (headers or {}).get(name) or list(spec.HEADERS[version][name])
            archive.writestr(name, csv_text(rows, header))
        for name, data in raw.items():
            archive.writestr(name, data)
    return target


def zip_bytes(files, **kw) -> bytes:
    buffer = io.BytesIO()
    write_zip(buffer, files, **kw)
    return buffer.getvalue()
