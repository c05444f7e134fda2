"""The cloud the box runs on, chosen by the config's `cloud`: its metadata server, notice watcher and object store."""
from .aws_metadata import Metadata
from .aws_notice import AwsNoticeWatcher
from .azure_metadata import AzureMetadata
from .azure_notice import AzureNoticeWatcher
from .blob import Blob
from .errors import Fail, NET_ERRORS
from .gcp_metadata import GcpMetadata
from .gcp_notice import GcpNoticeWatcher
from .gcs import Gcs
from .s3 import S3


class AwsCloud:
    """EC2 (IMDSv2) and S3."""

    def __init__(self, cfg, warn=None):
        self.cfg, self.metadata = cfg, Metadata(cfg)
        self.metadata.warn = warn

    def instance_id(self):
        return self.metadata.get('meta-data/instance-id')

    def notice_watcher(self):
        return AwsNoticeWatcher(self.metadata)

    def storage(self, on_retry=None, stop=None, deadline=None):
        """The checkpoint bucket's client; `stop` cancels its requests, `deadline` ends its retries."""
        return S3(self.cfg, self.metadata, on_retry, stop, deadline)


class GcpCloud:
    """Compute Engine (its metadata server) and Cloud Storage."""

    def __init__(self, cfg, warn=None):
        # `warn` is for the EC2 side's unknown bucket owner; Cloud Storage requests have no such check to warn about.
        self.cfg, self.metadata = cfg, GcpMetadata(cfg)

    def instance_id(self):
        return self.metadata.instance_id()

    def notice_watcher(self):
        return GcpNoticeWatcher(self.metadata)

    def storage(self, on_retry=None, stop=None, deadline=None):
        return Gcs(self.cfg, self.metadata, on_retry, stop, deadline)


class AzureCloud:
    """An Azure VM (IMDS: its vmId, Scheduled Events, the managed identity's token) and Blob storage."""

    def __init__(self, cfg, warn=None):
        self.cfg, self.metadata = cfg, AzureMetadata(cfg)

    def instance_id(self):
        """The VM's vmId. Read at agent start, which is also when the storage token is fetched: the first upload may be
        a notice's, which has no seconds to spend on IMDS retries."""
        try:
            self.metadata.token()
        except NET_ERRORS + (Fail,):
            pass  # Fetched again by the first request that needs it.
        return self.metadata.instance_id()

    def notice_watcher(self):
        return AzureNoticeWatcher(self.metadata)

    def storage(self, on_retry=None, stop=None, deadline=None):
        return Blob(self.cfg, self.metadata, on_retry, stop, deadline)


CLOUDS = {'aws': AwsCloud, 'gcp': GcpCloud, 'azure': AzureCloud}


def cloud_for(cfg, warn=None):
    try:
        return CLOUDS[cfg.get('cloud') or 'aws'](cfg, warn)
    except KeyError:
        raise Fail('the agent config names an unknown cloud "%s" (aws, gcp or azure)' % cfg.get('cloud'))
