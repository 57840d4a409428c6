"""Keystone's test identities for keystone.sh, through the v3 API (standard library only).

  setup AUTH_URL SWIFT_ENDPOINT IDS_FILE ADMIN_PASSWORD REGION
      the object-store service and its endpoints, a second region without one, the project
      "bucketfs" with a member user, a reader user (no Swift operator role), and an application
      credential of the member user; writes the export lines of their names and ids to IDS_FILE
  check AUTH_URL SWIFT_ENDPOINT IDS_FILE
      exit 0 when the application credential gets a token and Swift lists the project's account
Every step finds what an earlier run made before making it, so setup may run again. Passwords are
set only when a user is made: a change revokes the user's tokens, and Fernet tokens carry whole
seconds, so a token taken in the same second as the change would be refused too.
"""
import json
import os
import sys
import urllib.error
import urllib.request

PROJECT = "bucketfs"
USER, USER_PASSWORD = "bucketfs", "bucketfs-user-pw"
READER, READER_PASSWORD = "bucketfs-reader", "bucketfs-reader-pw"
APP_CRED, APP_CRED_SECRET = "bucketfs-tests", "bucketfs-app-cred-secret"
OTHER_REGION = "RegionTwo"


def call(method, url, token=None, body=None, ok=(200, 201, 204)):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            text = response.read()
            return response.status, response.headers, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        if e.code in ok:
            return e.code, e.headers, None
        raise SystemExit(f"{method} {url}: HTTP {e.code} {e.read()[:300]!r}")


def token(auth_url, identity, scope=None):
    body = {"auth": {"identity": identity}}
    if scope:
        body["auth"]["scope"] = scope
    _, headers, answer = call("POST", auth_url + "/auth/tokens", body=body)
    return headers["X-Subject-Token"], answer["token"]


def password(name, secret):
    return {"methods": ["password"], "password": {"user": {"name": name, "domain": {"id": "default"}, "password": secret}}}


def project_scope(name):
    return {"project": {"name": name, "domain": {"id": "default"}}}


def find(auth_url, admin, collection, key, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    _, _, answer = call("GET", f"{auth_url}/{collection}?{query}", admin)
    return answer[key][0] if answer[key] else None


def ensure(auth_url, admin, collection, key, body, **filters):
    return find(auth_url, admin, collection, key, **filters) or call("POST", f"{auth_url}/{collection}", admin, {key[:-1]: body})[2][key[:-1]]


def setup(auth_url, swift_endpoint, ids_file, admin_password, region):
    admin, _ = token(auth_url, password("admin", admin_password), project_scope("admin"))
    if call("GET", f"{auth_url}/regions/{OTHER_REGION}", admin, ok=(200, 404))[0] == 404:
        call("POST", f"{auth_url}/regions", admin, {"region": {"id": OTHER_REGION}})
    service = ensure(auth_url, admin, "services", "services", {"type": "object-store", "name": "swift"}, type="object-store")
    url = swift_endpoint + "/v1/AUTH_%(project_id)s"
    for interface in ("public", "internal"):
        endpoint = find(auth_url, admin, "endpoints", "endpoints", service_id=service["id"], interface=interface)
        if endpoint is None:
            call("POST", f"{auth_url}/endpoints", admin, {"endpoint": {"service_id": service["id"], "interface": interface, "url": url, "region_id": region}})
        elif endpoint["url"] != url:
            call("PATCH", f"{auth_url}/endpoints/{endpoint['id']}", admin, {"endpoint": {"url": url}})
    project = ensure(auth_url, admin, "projects", "projects", {"name": PROJECT, "domain_id": "default"}, name=PROJECT)
    roles = {}
    for role in ("member", "reader"):
        roles[role] = ensure(auth_url, admin, "roles", "roles", {"name": role}, name=role)["id"]
    users = {}
    for name, secret, role in ((USER, USER_PASSWORD, "member"), (READER, READER_PASSWORD, "reader")):
        user = ensure(auth_url, admin, "users", "users", {"name": name, "password": secret, "domain_id": "default", "default_project_id": project["id"]}, name=name)
        call("PUT", f"{auth_url}/projects/{project['id']}/users/{user['id']}/roles/{roles[role]}", admin)
        users[name] = user["id"]
    user_token, _ = token(auth_url, password(USER, USER_PASSWORD), project_scope(PROJECT))
    creds = f"{auth_url}/users/{users[USER]}/application_credentials"
    # One made by an earlier run is kept (its secret is this one): Keystone on sqlite fails to
    # delete application credentials ("database is locked").
    _, _, answer = call("GET", f"{creds}?name={APP_CRED}", user_token)
    if answer["application_credentials"]:
        credential = answer["application_credentials"][0]
    else:
        credential = call("POST", creds, user_token, {"application_credential": {"name": APP_CRED, "secret": APP_CRED_SECRET}})[2]["application_credential"]
    values = {
        "USER": USER, "USER_ID": users[USER], "PASSWORD": USER_PASSWORD,
        "READER": READER, "READER_PASSWORD": READER_PASSWORD,
        "PROJECT": PROJECT, "PROJECT_ID": project["id"], "DOMAIN": "Default",
        "APP_CRED_ID": credential["id"], "APP_CRED_NAME": APP_CRED, "APP_CRED_SECRET": APP_CRED_SECRET,
        "OTHER_REGION": OTHER_REGION, "STORAGE_URL": f"{swift_endpoint}/v1/AUTH_{project['id']}",
    }
    with open(ids_file + ".tmp", "w") as out:
        for name, value in values.items():
            out.write(f"export BUCKETFS_KEYSTONE_{name}={value}\n")
    os.replace(ids_file + ".tmp", ids_file)


def check(auth_url, ids_file):
    ids = {}
    with open(ids_file) as lines:
        for line in lines:
            name, _, value = line.removeprefix("export BUCKETFS_KEYSTONE_").strip().partition("=")
            ids[name] = value
    subject, _ = token(auth_url, {"methods": ["application_credential"], "application_credential": {"id": ids["APP_CRED_ID"], "secret": ids["APP_CRED_SECRET"]}})
    status, _, _ = call("GET", ids["STORAGE_URL"] + "?format=json", subject)
    if status not in (200, 204):
        raise SystemExit(f"Swift answered {status}")


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(*sys.argv[2:7])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[4])
    else:
        raise SystemExit(__doc__)
