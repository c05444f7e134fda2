"""EC2 instance metadata (IMDSv2): the token, the account id and the role's credentials."""
import os
import re
import threading
import time

from .errors import Fail, NET_ERRORS
from .formats import as_json, parse_time
from .transport import http_call


class Metadata:
    """IMDSv2, with the token cached and renewed a minute before expiry (or once refused), and the role's keys."""

    def __init__(self, cfg):
        self.base = (cfg.get('imdsEndpoint') or os.environ.get('AWS_EC2_METADATA_SERVICE_ENDPOINT') or 'http://169.254.169.254').rstrip('/')
        self.token, self.expires, self.keys, self.lock = None, 0, None, threading.Lock()
        self.owner, self.owner_retry, self.warn = None, 0, None

    def get(self, path):
        for attempt in (0, 1):
            if time.time() > self.expires - 60:
                status, _, body = http_call(self.base + '/latest/api/token', 'PUT', {'X-aws-ec2-metadata-token-ttl-seconds': '21600'}, timeout=2)
                if status != 200:
                    raise Fail('IMDS token: HTTP %d' % status)
                self.token, self.expires = body.decode(), time.time() + 21600
            status, _, body = http_call(self.base + '/latest/' + path, headers={'X-aws-ec2-metadata-token': self.token}, timeout=2)
            if status == 401 and not attempt:
                self.expires = 0
            elif status == 404:
                return None
            elif status == 200:
                return body.decode()
            else:
                raise Fail('IMDS %s: HTTP %d' % (path, status))

    def account(self):
        """The box's account (identity document): S3 must find the bucket owned by it. None if unknown (warned once)."""
        with self.lock:
            if not self.owner and time.time() >= self.owner_retry:
                try:
                    self.owner = str((as_json(self.get('dynamic/instance-identity/document')) or {}).get('accountId') or '')
                except NET_ERRORS + (Fail,) as e:
                    self.owner = 'IMDS: %s' % e
                if not re.match(r'\d{12}$', self.owner):
                    if self.warn and self.owner_retry == 0:
                        self.warn(code='bucket-owner-unknown', message='no account id in the identity document (%s): S3 requests go without x-amz-expected-bucket-owner' % self.owner[:200])
                    self.owner, self.owner_retry = None, time.time() + 300
            return self.owner

    def credentials(self):
        env = os.environ
        if env.get('AWS_ACCESS_KEY_ID') and env.get('AWS_SECRET_ACCESS_KEY'):
            return env['AWS_ACCESS_KEY_ID'], env['AWS_SECRET_ACCESS_KEY'], env.get('AWS_SESSION_TOKEN')
        with self.lock:
            if not self.keys or time.time() > self.keys[1] - 300:
                try:
                    path = 'meta-data/iam/security-credentials/'
                    role = (self.get(path) or '').split('\n')[0].strip()
                    doc = as_json(self.get(path + role)) if role else None
                except NET_ERRORS + (Fail,) as e:
                    raise Fail('no AWS credentials: instance metadata failed (%s)' % e)
                if not isinstance(doc, dict) or not doc.get('AccessKeyId'):
                    raise Fail('no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or give the box an instance profile with S3 access')
                self.keys = ((doc['AccessKeyId'], doc['SecretAccessKey'], doc.get('Token')), parse_time(doc.get('Expiration')) or time.time() + 900)
            return self.keys[0]
