"""Spotbox on-box agent: checkpoints to object storage (S3, or GCS on Google Cloud) on a spot notice, periodically and on request.

Standard library only (a stock Deep Learning image has python3, not boto3), Python 3.8+.
Config, journal, bucket layout and command line: resources/agent/README.md.
"""
