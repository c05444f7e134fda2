#!/usr/bin/env python3
"""Spotbox bootstrap: installs the agent and its session tools from the checkpoint bucket (S3, or Cloud Storage when the
config's cloud is gcp, Blob storage when it is azure) at boot.

The launch's user data carries only this file and the agent's config (agent.json), whose `install`
list names each file's S3 key, its place on the box and its sha256. A file whose sha256 differs is
refused and nothing is written, so an object rewritten in the bucket runs nothing. The editor puts
the files in the bucket right after the launch: until they are there (or while the box's role
credentials are not ready yet) the bootstrap retries, up to `installTimeoutSeconds`.

The agent signs its S3 requests with `sign` from here. Standard library only, Python 3.8+.
"""
import hashlib
import hmac
import http.client
import json
import os
import sys
import time
import urllib.parse

NET_ERRORS = (OSError, http.client.HTTPException)


class Fail(Exception):
    pass


class NotYet(Exception):
    """Worth another try: the instance's credentials are not served yet, or the files not uploaded yet."""
    pass  # The user data drops docstrings: the class keeps a body.


def quote(text, safe='-_.~'):
    return urllib.parse.quote(text, safe=safe)


def sign(method, host, path, query, headers, payload_sha, access_key, secret_key, token, region, amz_date):
    """SigV4 for S3: the headers to send. `path` is URI-encoded once, as S3 (unlike other services) wants."""
    out = dict((k.lower(), str(v)) for k, v in headers.items())
    out.update({'host': host, 'x-amz-date': amz_date, 'x-amz-content-sha256': payload_sha})
    if token:
        out['x-amz-security-token'] = token
    names = sorted(k for k in out if k in ('host', 'content-md5', 'content-type') or k.startswith('x-amz-'))
    canonical = '\n'.join([method, path, '&'.join('%s=%s' % (quote(k), quote(v)) for k, v in sorted(query)),
                           ''.join('%s:%s\n' % (k, ' '.join(out[k].split())) for k in names), ';'.join(names), payload_sha])
    scope = '%s/%s/s3/aws4_request' % (amz_date[:8], region)
    key = ('AWS4' + secret_key).encode()
    for part in scope.split('/'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    to_sign = '\n'.join(['AWS4-HMAC-SHA256', amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    out['authorization'] = 'AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s' % (
        access_key, scope, ';'.join(names), hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest())
    return out


def request(url, method='GET', headers=None, timeout=10):
    u = urllib.parse.urlsplit(url)
    conn = (http.client.HTTPSConnection if u.scheme == 'https' else http.client.HTTPConnection)(u.netloc, timeout=timeout)
    try:
        conn.request(method, u.path + ('?' + u.query if u.query else ''), headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def aws_identity(cfg):
    """(access key, secret, token, account or None): the environment's keys, else the instance role's (IMDSv2)."""
    env = os.environ
    if env.get('AWS_ACCESS_KEY_ID') and env.get('AWS_SECRET_ACCESS_KEY'):
        return env['AWS_ACCESS_KEY_ID'], env['AWS_SECRET_ACCESS_KEY'], env.get('AWS_SESSION_TOKEN'), None
    base = (cfg.get('imdsEndpoint') or env.get('AWS_EC2_METADATA_SERVICE_ENDPOINT') or 'http://169.254.169.254').rstrip('/')
    status, token = request(base + '/latest/api/token', 'PUT', {'X-aws-ec2-metadata-token-ttl-seconds': '300'}, 2)
    if status != 200:
        raise NotYet('IMDS token: HTTP %d' % status)

    def get(path):
        status, body = request(base + '/latest/' + path, headers={'X-aws-ec2-metadata-token': token.decode()}, timeout=2)
        if status != 200:
            # Early in boot the role's keys may not be served yet; without an instance profile they never are.
            raise NotYet('IMDS %s: HTTP %d (is an instance profile attached?)' % (path, status))
        return body.decode()
    role = get('meta-data/iam/security-credentials/').split('\n')[0].strip()
    doc = json.loads(get('meta-data/iam/security-credentials/' + role))
    account = str(json.loads(get('dynamic/instance-identity/document')).get('accountId') or '')
    # The bucket must be this account's (x-amz-expected-bucket-owner), as for every checkpoint request.
    return doc['AccessKeyId'], doc['SecretAccessKey'], doc.get('Token'), account if len(account) == 12 and account.isdigit() else None


def s3_get(cfg, key, identity):
    """(HTTP status, body) of a path-style GET of the key in the config's bucket."""
    env = os.environ
    region = cfg.get('region') or 'us-east-1'
    u = urllib.parse.urlsplit(cfg.get('s3Endpoint') or env.get('SPOTBOX_S3_ENDPOINT') or env.get('AWS_ENDPOINT_URL_S3')
                              or env.get('AWS_ENDPOINT_URL') or 'https://s3.%s.amazonaws.com' % region)
    path = '/' + quote(cfg['bucket']) + '/' + quote(key, '/-_.~')
    access_key, secret_key, token, account = identity
    headers = {'x-amz-expected-bucket-owner': account} if account else {}
    signed = sign('GET', u.netloc, path, (), headers, hashlib.sha256(b'').hexdigest(), access_key, secret_key, token, region,
                  time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()))
    return request(u.scheme + '://' + u.netloc + path, headers=signed, timeout=60)


def gcp_token(cfg):
    """The VM's service account token from the metadata server, or None against STORAGE_EMULATOR_HOST (which Google's
    client libraries send no credentials to)."""
    env = os.environ
    if env.get('STORAGE_EMULATOR_HOST') and not cfg.get('gcsEndpoint'):
        return None
    host = cfg.get('gceMetadataHost') or env.get('GCE_METADATA_HOST') or 'metadata.google.internal'
    base = host if '://' in host else 'http://' + host
    status, body = request(base.rstrip('/') + '/computeMetadata/v1/instance/service-accounts/default/token', headers={'Metadata-Flavor': 'Google'}, timeout=2)
    if status != 200:
        raise NotYet('metadata token: HTTP %d (has the VM a service account?)' % status)
    return json.loads(body)['access_token']


def gcs_get(cfg, key, token):
    """(HTTP status, body) of the object `key` of the config's bucket, through the Cloud Storage JSON API."""
    origin = cfg.get('gcsEndpoint') or os.environ.get('STORAGE_EMULATOR_HOST') or 'https://storage.googleapis.com'
    origin = (origin if '://' in origin else 'http://' + origin).rstrip('/')
    headers = {'Authorization': 'Bearer ' + token} if token else {}
    return request(origin + '/storage/v1/b/%s/o/%s?alt=media' % (quote(cfg['bucket']), quote(key)), headers=headers, timeout=60)


def azure_token(cfg):
    """The managed identity's token for Blob storage from IMDS (its base URL from `imdsEndpoint` or
    AZURE_POD_IDENTITY_AUTHORITY_HOST, as Azure's identity libraries read it)."""
    base = cfg.get('imdsEndpoint') or os.environ.get('AZURE_POD_IDENTITY_AUTHORITY_HOST') or 'http://169.254.169.254'
    base = (base if '://' in base else 'http://' + base).rstrip('/')
    query = urllib.parse.urlencode([('api-version', '2018-02-01'), ('resource', 'https://storage.azure.com/')])
    status, body = request(base + '/metadata/identity/oauth2/token?' + query, headers={'Metadata': 'true'}, timeout=5)
    if status != 200:
        # 404 and 410 early in boot (the identity not yet assigned, IMDS updating), as Microsoft documents.
        raise NotYet('IMDS token: HTTP %d (has the VM a managed identity?)' % status)
    return json.loads(body)['access_token']


def blob_get(cfg, key, token):
    """(HTTP status, body) of Get Blob of `key` in the config's container (`blobEndpoint`, or `storageAccount`'s endpoint)."""
    if not cfg.get('blobEndpoint') and not cfg.get('storageAccount'):
        raise Fail('the agent config has neither "blobEndpoint" nor "storageAccount"')
    endpoint = (cfg.get('blobEndpoint') or 'https://%s.blob.core.windows.net' % cfg['storageAccount']).rstrip('/')
    headers = {'Authorization': 'Bearer ' + token, 'x-ms-version': '2021-08-06', 'x-ms-date': time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())}
    return request('%s/%s/%s' % (endpoint, quote(container(cfg)), quote(key, '/-_.~')), headers=headers, timeout=60)


def container(cfg):
    return cfg.get('container') or cfg['bucket']


def write_file(path, data):
    """Written to a new temporary file beside it (never through a symlink), then renamed. The name is this
    process's own: the editor may install the same session tools over SSH at the same moment."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = '%s.%d.tmp' % (path, os.getpid())
    if os.path.lexists(temporary):
        os.unlink(temporary)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os.replace(temporary, path)


def install(cfg, clock=time.time, sleep=time.sleep, log=lambda message: None):
    """Fetches every file of cfg['install'], all checked before any is written; retries what is not there yet."""
    deadline = clock() + float(cfg.get('installTimeoutSeconds', 600))
    fetched, delay = {}, 1.0
    # The agent config's cloud: Cloud Storage on gcp, Blob storage on azure, else S3.
    scheme, credentials, fetch = {'gcp': ('gs', gcp_token, gcs_get), 'azure': ('azure', azure_token, blob_get)}.get(cfg.get('cloud'), ('s3', aws_identity, s3_get))
    where = container(cfg) if cfg.get('cloud') == 'azure' else cfg.get('bucket')
    while True:
        problem = None
        try:
            identity = credentials(cfg)
            for item in cfg['install']:
                if item['key'] in fetched:
                    continue
                status, data = fetch(cfg, item['key'], identity)
                if status == 200:
                    if hashlib.sha256(data).hexdigest() != item['sha256'].lower():
                        raise Fail('refusing %s://%s/%s: its sha256 is not the one the launch pinned' % (scheme, where, item['key']))
                    fetched[item['key']] = data
                elif status in (401, 403, 404, 500, 502, 503):
                    # Not uploaded yet, credentials not yet valid, or the store busy: worth another try.
                    problem = '%s://%s/%s: HTTP %d' % (scheme, where, item['key'], status)
                    break
                else:
                    raise Fail('%s://%s/%s: HTTP %d %s' % (scheme, where, item['key'], status, data[:200].decode('utf-8', 'replace')))
        except NET_ERRORS + (ValueError, KeyError, NotYet) as e:
            problem = '%s: %s' % (type(e).__name__, e)
        if problem is None:
            break
        if clock() + delay > deadline:
            raise Fail('gave up installing the Spotbox agent: %s' % problem)
        log('waiting for %s' % problem)
        sleep(delay)
        delay = min(10.0, delay * 2)
    for item in cfg['install']:
        write_file(os.path.expanduser(item['path']), fetched[item['key']])
    return [item['path'] for item in cfg['install']]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != '--config':
        sys.stderr.write('usage: spotbox_bootstrap.py --config ~/.spotbox/agent.json\n')
        return 2
    with open(os.path.expanduser(argv[1])) as f:
        cfg = json.load(f)
    log = lambda message: sys.stderr.write('spotbox bootstrap: %s\n' % message)
    try:
        installed = install(cfg, log=log)
    except Fail as e:
        log(str(e))
        return 1
    log('installed ' + ', '.join(installed))
    return 0


if __name__ == '__main__':
    sys.exit(main())
