"""A second client of the sandbox's Google Cloud, written against Google's wire format, not the
sandbox's code: Debian's google-auth performs the service-account token flow from the key file,
then plain HTTP (urllib) drives Compute Engine and Cloud Storage, and google-auth on the box gets
its token from the metadata server. Prints one line per check; exits non-zero on the first failure.

Run with /usr/bin/python3 (python3-google-auth, python3-requests). Inputs come from the environment.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from google.auth.transport.requests import Request
from google.oauth2 import service_account

ENV = os.environ
COMPUTE = ENV["SECOND_CLIENT_COMPUTE"]  # .../compute/v1/
STORAGE = ENV["SECOND_CLIENT_STORAGE"]  # http://127.0.0.1:Q
PROJECT = ENV["SECOND_CLIENT_PROJECT"]
BUCKET = ENV["SECOND_CLIENT_BUCKET"]
ZONE = ENV["SECOND_CLIENT_ZONE"]
PRIVATE_KEY = ENV["SECOND_CLIENT_SSH_KEY"]
NAME = "second-client"


def check(label, condition, detail=""):
    if not condition:
        print("FAIL %s %s" % (label, detail))
        sys.exit(1)
    print("OK %s" % label)


def call(method, url, token, body=None, data=None, headers=None):
    request_headers = {"Authorization": "Bearer " + token}
    request_headers.update(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        request_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=request_headers)
    try:
        with urllib.request.urlopen(request, timeout=150) as response:
            raw = response.read()
            return response.status, raw, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def main():
    credentials = service_account.Credentials.from_service_account_file(
        ENV["GOOGLE_APPLICATION_CREDENTIALS"], scopes=["https://www.googleapis.com/auth/cloud-platform"])
    credentials.refresh(Request())
    check("service-account token from token_uri", credentials.valid and credentials.token.startswith("ya29."))
    token = credentials.token
    base = COMPUTE + "projects/%s/zones/%s/" % (PROJECT, ZONE)

    public_key = open(PRIVATE_KEY + ".pub").read().strip()
    body = {
        "name": NAME,
        "machineType": "zones/%s/machineTypes/n1-standard-8" % ZONE,
        "guestAccelerators": [{"acceleratorType": "projects/%s/zones/%s/acceleratorTypes/nvidia-tesla-t4" % (PROJECT, ZONE), "acceleratorCount": 1}],
        "disks": [{"boot": True, "autoDelete": True, "initializeParams": {"sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"}}],
        "networkInterfaces": [{"network": "global/networks/default", "accessConfigs": [{"type": "ONE_TO_ONE_NAT"}]}],
        "scheduling": {"provisioningModel": "SPOT", "instanceTerminationAction": "DELETE", "onHostMaintenance": "TERMINATE", "automaticRestart": False},
        "labels": {"owner": "second-client"},
        "metadata": {"items": [{"key": "ssh-keys", "value": "bob:" + public_key}, {"key": "enable-guest-attributes", "value": "TRUE"}]},
        "serviceAccounts": [{"email": "default", "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}],
    }
    status, raw, _ = call("POST", base + "instances", token, body)
    operation = json.loads(raw)
    check("insert answers an Operation", status == 200 and operation.get("kind") == "compute#operation", raw)
    while operation["status"] != "DONE":
        status, raw, _ = call("POST", base + "operations/%s/wait" % operation["name"], token)
        operation = json.loads(raw)
    check("operation DONE without error", "error" not in operation, raw)

    status, raw, _ = call("GET", base + "instances/" + NAME, token)
    instance = json.loads(raw)
    check("instance RUNNING", instance.get("status") == "RUNNING", raw)
    ip = instance["networkInterfaces"][0]["networkIP"]

    items = None
    for _ in range(200):
        status, raw, _ = call("GET", base + "instances/%s/getGuestAttributes?queryPath=hostkeys/" % NAME, token)
        if status == 200:
            items = json.loads(raw)["queryValue"]["items"]
            break
        time.sleep(0.2)
    check("host keys in guest attributes", items is not None)
    host_keys = {item["key"]: item["value"] for item in items}
    scanned = subprocess.run(["ssh-keyscan", "-t", "ed25519", ip], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True).stdout.split()
    check("guest attribute matches sshd's key", scanned[1:3] == ["ssh-ed25519", host_keys["ssh-ed25519"]], scanned)

    with tempfile.NamedTemporaryFile("w", suffix=".known_hosts", delete=False) as known_hosts:
        for key_type, blob in host_keys.items():
            known_hosts.write("%s %s %s\n" % (ip, key_type, blob))
    on_box = (
        "import google.auth, json, os, urllib.request\n"
        "from google.auth.transport.requests import Request\n"
        "credentials, project = google.auth.default()\n"
        "credentials.refresh(Request())\n"
        "request = urllib.request.Request(os.environ['STORAGE_EMULATOR_HOST'] + '/storage/v1/b/%s', headers={'Authorization': 'Bearer ' + credentials.token})\n"
        "bucket = json.loads(urllib.request.urlopen(request).read())\n"
        "print(json.dumps({'project': project, 'kind': type(credentials).__module__, 'bucket': bucket['name']}))\n"
    ) % BUCKET
    ssh = subprocess.run(
        ["ssh", "-i", PRIVATE_KEY, "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + known_hosts.name, "-o", "BatchMode=yes",
         "bob@" + ip, "/usr/bin/python3 -"],
        input=on_box, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    check("ssh as bob with the host key pinned from guest attributes", ssh.returncode == 0, ssh.stderr)
    seen = json.loads(ssh.stdout.strip().splitlines()[-1])
    check("google-auth on the box: metadata-server credentials", seen["project"] == PROJECT and seen["kind"] == "google.auth.compute_engine.credentials", seen)
    check("the box's token opens GCS", seen["bucket"] == BUCKET, seen)

    status, raw, _ = call("DELETE", base + "instances/" + NAME, token)
    operation = json.loads(raw)
    while operation["status"] != "DONE":
        status, raw, _ = call("POST", base + "operations/%s/wait" % operation["name"], token)
        operation = json.loads(raw)
    status, raw, _ = call("GET", base + "instances/" + NAME, token)
    error = json.loads(raw).get("error", {})
    check("deleted instance 404s with reason notFound", status == 404 and error.get("errors", [{}])[0].get("reason") == "notFound", raw)

    data = os.urandom(70000)
    status, raw, _ = call("POST", STORAGE + "/upload/storage/v1/b/%s/o?uploadType=media&name=second%%2Fblob.bin" % BUCKET, token, data=data,
                          headers={"Content-Type": "application/octet-stream"})
    uploaded = json.loads(raw)
    import base64
    check("GCS media upload with md5Hash", status == 200 and uploaded["md5Hash"] == base64.b64encode(hashlib.md5(data).digest()).decode(), raw[:300])
    status, raw, _ = call("GET", STORAGE + "/storage/v1/b/%s/o?prefix=second%%2F" % BUCKET, token)
    check("GCS list by prefix", [item["name"] for item in json.loads(raw).get("items", [])] == ["second/blob.bin"], raw[:300])
    status, raw, headers = call("GET", STORAGE + "/storage/v1/b/%s/o/second%%2Fblob.bin?alt=media" % BUCKET, token)
    check("GCS download round trip", status == 200 and raw == data)


if __name__ == "__main__":
    main()
