"""The cloud the config names (resources/agent/src/agent/clouds.py) and the EC2 notice watcher (aws_notice.py)."""
import unittest

from assembled_agent import import_modules

import_modules()
from agent import aws_notice, azure_notice, blob, clouds, errors, s3  # noqa: E402

CFG = {'bucket': 'b', 'uploadAttempts': 2, 'region': 'us-east-1'}


class Imds:
    def __init__(self, answers):
        self.answers, self.asked = answers, []

    def get(self, path):
        self.asked.append(path)
        return self.answers.get(path)


class Clouds(unittest.TestCase):
    def test_aws_is_the_default(self):
        cloud = clouds.cloud_for(dict(CFG))
        self.assertIsInstance(cloud, clouds.AwsCloud)
        self.assertIsInstance(cloud.storage(), s3.S3)
        self.assertIsInstance(cloud.notice_watcher(), aws_notice.AwsNoticeWatcher)

    def test_an_unknown_cloud_fails(self):
        with self.assertRaisesRegex(errors.Fail, 'unknown cloud "oci"'):
            clouds.cloud_for(dict(CFG, cloud='oci'))

    def test_azure_has_imds_scheduled_events_and_blob_storage(self):
        cloud = clouds.cloud_for(dict(CFG, cloud='azure', blobEndpoint='https://acct.blob.core.windows.net', container='ckpt'))
        self.assertIsInstance(cloud, clouds.AzureCloud)
        self.assertIsInstance(cloud.storage(), blob.Blob)
        self.assertIsInstance(cloud.notice_watcher(), azure_notice.AzureNoticeWatcher)
        self.assertEqual(cloud.storage().where('a/b'), 'https://acct.blob.core.windows.net/ckpt/a/b')

    def test_the_aws_watcher_reads_the_instance_action_and_the_rebalance_recommendation(self):
        imds = Imds({'meta-data/spot/instance-action': '{"action":"terminate","time":"2026-11-27T08:22:00Z"}'})
        watcher = aws_notice.AwsNoticeWatcher(imds)
        self.assertEqual(watcher.poll(), ('{"action":"terminate","time":"2026-11-27T08:22:00Z"}', None))
        self.assertEqual(imds.asked, ['meta-data/spot/instance-action', 'meta-data/events/recommendations/rebalance'])
        self.assertEqual(watcher.unreachable_code, 'imds-unreachable')


if __name__ == '__main__':
    unittest.main()
