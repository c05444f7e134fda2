"""Where checkpoints live in the bucket: <prefix>/<session>/<seq>/, complete once manifest.json is there. The same on
S3 and Cloud Storage: `store` is either client."""
import re

from .formats import as_json


def session_base(cfg):
    return '/'.join(p for p in (cfg['prefix'], cfg['session']) if p) + '/'


def seq_folders(store, base):
    """Every seq folder of the session, complete or torn: {seq: folder prefix}."""
    names = ((p[len(base):].strip('/'), p) for p in store.list(base, '/')[1])
    return dict((int(name), p) for name, p in names if re.match(r'\d{6,}$', name))


def valid_manifest(doc, seq):
    return (isinstance(doc, dict) and doc.get('version') == 1 and doc.get('seq') == seq and isinstance(doc.get('files'), list)
            and all(isinstance(f, dict) and f.get('area') in ('files', 'workspace') and isinstance(f.get('path'), str) and isinstance(f.get('key'), str)
                    and type(f.get('size')) is int and re.match(r'[0-9a-f]{64}$', str(f.get('sha256'))) for f in doc['files']))


def load_manifest(store, base, seq):
    data = store.get('%s%06d/manifest.json' % (base, seq))
    doc = as_json(data.decode('utf-8', 'replace')) if data is not None else None
    return doc if valid_manifest(doc, seq) else None


def newest_complete(store, base, folders):
    for seq in sorted(folders, reverse=True):
        manifest = load_manifest(store, base, seq)
        if manifest:
            return manifest
