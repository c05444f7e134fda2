"""The spot notice on EC2: IMDS's instance action and rebalance recommendation, polled by the daemon."""


class AwsNoticeWatcher:
    """Each poll asks IMDS afresh (AWS documents no long poll): both paths answer 404 until EC2 says something."""

    # The journal warning's code while IMDS does not answer (the editor shows it as it comes).
    unreachable_code = 'imds-unreachable'

    def __init__(self, metadata):
        self.metadata = metadata

    def start(self):
        pass  # Nothing runs between polls.

    def poll(self):
        """(the instance action's JSON text or None, the rebalance recommendation's JSON text or None)."""
        action = self.metadata.get('meta-data/spot/instance-action')
        rebalance = self.metadata.get('meta-data/events/recommendations/rebalance')
        return action, rebalance

    def notice_checkpointed(self):
        """EC2 takes no acknowledgement: the instance goes at the action's time whatever the agent does."""
        return None
