"""Azure's Instance Metadata Service (IMDS): the VM's compute document (its id and name) and the managed identity's tokens."""
import json
import os
import random
import threading
import time
import urllib.parse

from .errors import Fail, NET_ERRORS
from .transport import http_call

# AZURE_POD_IDENTITY_AUTHORITY_HOST is the IMDS base URL Azure's identity libraries honour (the sandbox sets it per box).
DEFAULT_IMDS = 'http://169.254.169.254'
STORAGE_RESOURCE = 'https://storage.azure.com/'
COMPUTE_API = '2021-02-01'
TOKEN_API = '2018-02-01'
# Microsoft's retry guidance for IMDS: 404 (identity not assigned yet), 410 (IMDS updating, up to 70 s), 429, 5xx.
IMDS_RETRY = (404, 410, 429)
# A token is fetched again this long before `expires_on` (Azure's SDKs refresh 5 minutes ahead too).
TOKEN_REFRESH_AHEAD = 300


def imds_base(cfg):
    base = cfg.get('imdsEndpoint') or os.environ.get('AZURE_POD_IDENTITY_AUTHORITY_HOST') or DEFAULT_IMDS
    return (base if '://' in base else 'http://' + base).rstrip('/')


class AzureMetadata:
    """Every request carries `Metadata: true`, which IMDS requires (and which a proxy would not forward)."""

    def __init__(self, cfg, sleep=time.sleep, attempts=5):
        self.base, self.sleep, self.attempts = imds_base(cfg), sleep, attempts
        self.compute_doc, self.tokens, self.lock = None, {}, threading.Lock()

    def call(self, path, query, method='GET', body=None, timeout=5):
        """(HTTP status, text) of one request to IMDS."""
        headers = {'Metadata': 'true'}
        if body is not None:
            headers['content-type'] = 'application/json'
        status, _, data = http_call(self.base + path + '?' + urllib.parse.urlencode(query), method, headers, body, timeout)
        return status, data.decode('utf-8', 'replace')

    def get_json(self, path, query, what):
        """IMDS's JSON answer, retried with backoff as Microsoft documents (404, 410, 429, 5xx, connection errors)."""
        for attempt in range(1, self.attempts + 1):
            try:
                status, text = self.call(path, query)
            except NET_ERRORS as e:
                status, problem = None, '%s: %s' % (type(e).__name__, e)
            else:
                if status == 200:
                    try:
                        return json.loads(text)
                    except ValueError:
                        raise Fail('IMDS %s: not JSON: %s' % (what, text[:200]))
                problem = 'HTTP %d %s' % (status, text[:200])
                if status not in IMDS_RETRY and status < 500:
                    raise Fail('IMDS %s: %s' % (what, problem))
            if attempt == self.attempts:
                raise Fail('IMDS %s failed after %d attempt(s): %s' % (what, attempt, problem))
            self.sleep(min(8, 2 ** (attempt - 1)) * random.uniform(0.8, 1))

    def compute(self):
        """The compute document (vmId, name, location, ...): fixed for the VM's life, so read once."""
        with self.lock:
            if self.compute_doc is None:
                self.compute_doc = self.get_json('/metadata/instance/compute', [('api-version', COMPUTE_API), ('format', 'json')], 'compute')
            return self.compute_doc

    def instance_id(self):
        """`vmId`, not the name: a replacement VM may be created under the same name, and boot restore must tell the
        box that wrote handoff.json from itself. The name is what Scheduled Events' `Resources` list (vm_name)."""
        return str(self.compute()['vmId'])

    def vm_name(self):
        return str(self.compute()['name'])

    def token(self, resource=STORAGE_RESOURCE):
        """The managed identity's access token for `resource`, fetched again TOKEN_REFRESH_AHEAD before it expires."""
        with self.lock:
            cached = self.tokens.get(resource)
            if cached and time.time() < cached[1] - TOKEN_REFRESH_AHEAD:
                return cached[0]
            doc = self.get_json('/metadata/identity/oauth2/token', [('api-version', TOKEN_API), ('resource', resource)], 'token')
            if not isinstance(doc, dict) or not doc.get('access_token'):
                raise Fail('no Azure credentials: IMDS gave no token; give the VM a managed identity with access to the storage account')
            self.tokens[resource] = (doc['access_token'], token_expiry(doc))
            return doc['access_token']

    def forget_token(self, resource=STORAGE_RESOURCE):
        with self.lock:
            self.tokens.pop(resource, None)


def token_expiry(doc):
    """Epoch seconds: IMDS gives `expires_on` as epoch seconds in a string, and `expires_in` as seconds from now."""
    try:
        return float(doc['expires_on'])
    except (KeyError, TypeError, ValueError):
        try:
            return time.time() + float(doc['expires_in'])
        except (KeyError, TypeError, ValueError):
            # Unknown: used once, fetched again next time.
            return 0.0
