import { gzipSync } from 'node:zlib';
import { SpotboxError } from '../errors';
import { AGENT_PATHS, type AgentConfig } from './agentConfig';
import { base85 } from './base85';
import { compactPython } from './compactPython';

/**
 * EC2 refuses user data over 16 KB "in raw form, before it is base64-encoded" (EC2 User Guide,
 * instance user data); the API's own check is a base64 length of at most 21847.
 */
export const USER_DATA_MAX_BYTES = 16_384;

export interface AgentUserDataInput {
  /**
   * The text of resources/agent/spotbox_bootstrap.py: it installs the agent and the session tools
   * from the bucket (config.install), so user data stays small whatever the agent grows to.
   */
  readonly bootstrapSource: string;
  readonly config: AgentConfig;
  /** The image's login user (the profile's sshUser): the agent runs as that user, in its home. */
  readonly user: string;
}

/**
 * The launch's user data: a bash script that writes the bootstrap and the agent's config to
 * `~/.spotbox/` of the login user, runs the bootstrap (which installs the agent and the session
 * tools from the checkpoint bucket, each pinned by its sha256), and starts the agent, as a systemd
 * service where systemd runs the box (restarted if it dies, started again after a reboot), else as
 * a background process (containers, the sandbox).
 */
export function buildAgentUserData(input: AgentUserDataInput): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(input.user)) {
    // It is pasted into the script: only a plain user name may go there.
    throw new SpotboxError(`"${input.user}" is not a valid login user name.`, 'Fix "sshUser" in .spotbox/profile.json.');
  }
  // Base85 rather than base64: 1/16 fewer bytes of the 16 KB, decoded by the python3 the agent needs anyway.
  if (!input.config.install?.some((item) => item.path === AGENT_PATHS.script)) {
    throw new SpotboxError('The launch names no agent for the bootstrap to install.', 'This is a bug in Spotbox: report it with the Spotbox log.');
  }
  const bootstrap = base85(gzipSync(Buffer.from(compactPython(input.bootstrapSource), 'utf8'), { level: 9 }));
  const config = JSON.stringify(input.config);
  const dir = AGENT_PATHS.dir.replace(/^~/, '$h');
  const script = [
    '#!/bin/bash',
    '# Spotbox: installs the on-box agent (checkpoints to S3 on a spot notice) and starts it.',
    'set -euo pipefail',
    `u=${input.user}`,
    // cloud-init runs this as root with no useful HOME; the agent belongs to the user who logs in.
    // An image without the profile's sshUser is a profile error to report, not a reason to run as root.
    'if [ "$(id -u)" = 0 ] && [ "$u" != root ]; then',
    'id "$u" >/dev/null 2>&1 || { echo "spotbox: this image has no user $u (the profile\'s sshUser); the agent is not installed" >&2; exit 1; }',
    'h=$(getent passwd "$u" | cut -d: -f6)',
    'else u=$(id -un); h=${HOME:-$(getent passwd "$u" | cut -d: -f6)}; fi',
    `d="${dir}"`,
    'as=; [ "$(id -un)" = "$u" ] || as="runuser -u $u --"',
    // The folder is the user's from the start: the editor may install the session tools over SSH
    // (as the user) while this still runs, and a root-owned folder or file would refuse it.
    'mkdir -p "$d" && chown "$u:" "$d"',
    `python3 -c 'import base64,sys;sys.stdout.buffer.write(base64.b85decode(sys.stdin.read().strip()))' <<'SPOTBOX_BOOTSTRAP' | gunzip > "$d/spotbox_bootstrap.py"`,
    bootstrap,
    'SPOTBOX_BOOTSTRAP',
    `cat > "$d/agent.json" <<'SPOTBOX_CONFIG'`,
    config,
    'SPOTBOX_CONFIG',
    'chmod 600 "$d/agent.json" && chown "$u:" "$d/agent.json" "$d/spotbox_bootstrap.py"',
    // The agent and session tools come from the bucket, checked against their pinned sha256; the
    // launch uploads them right after the box starts, so the bootstrap waits for them.
    // As the user: what it writes is theirs at once (IMDS and the metadata servers answer any user).
    'HOME="$h" $as python3 "$d/spotbox_bootstrap.py" --config "$d/agent.json" 2>> "$d/agent.log" || { echo "spotbox: the agent could not be installed; see $d/agent.log" >&2; exit 1; }',
    'chown -R "$u:" "$d"',
    'run="$d/spotbox_agent.py run --config $d/agent.json"',
    // KillMode=process: a boot restore starts the training session's tmux from the agent's service, and a
    // restarted agent must not take the trainer down with it (systemd's default kills the whole cgroup).
    'if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && command -v systemctl >/dev/null; then',
    "printf '[Unit]\\nDescription=Spotbox agent\\nWants=network-online.target\\nAfter=network-online.target\\n[Service]\\nUser=%s\\nEnvironment=HOME=%s\\nExecStart=/usr/bin/python3 %s\\nRestart=always\\nRestartSec=2\\nKillMode=process\\n[Install]\\nWantedBy=multi-user.target\\n' \"$u\" \"$h\" \"$run\" > /etc/systemd/system/spotbox-agent.service",
    'systemctl daemon-reload',
    'systemctl enable --now spotbox-agent.service',
    'else',
    // Without systemd nothing restarts a crashed agent: the loop does.
    'HOME="$h" setsid nohup $as sh -c "while :; do python3 $run; sleep 2; done" >> "$d/agent.log" 2>&1 < /dev/null &',
    'fi',
    '',
  ].join('\n');
  const bytes = Buffer.byteLength(script, 'utf8');
  if (bytes > USER_DATA_MAX_BYTES) {
    throw new SpotboxError(
      `The launch's user data would be ${bytes} bytes; EC2 accepts at most ${USER_DATA_MAX_BYTES}.`,
      'The agent config (the session command, the bucket and prefix) is too long to travel in user data: shorten them.',
    );
  }
  return script;
}

/** The size EC2 counts, and the base64 length the API sees, for logs and tests. */
export function userDataSize(userData: string): { bytes: number; base64Length: number } {
  const bytes = Buffer.byteLength(userData, 'utf8');
  return { bytes, base64Length: Math.ceil(bytes / 3) * 4 };
}
