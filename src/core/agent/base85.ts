/** RFC 1924's alphabet, the one Python's `base64.b85decode` reads. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';

/**
 * Base85 as Python's `base64.b85encode` writes it (4 bytes to 5 characters, the last group cut to
 * what the data needs): a sixteenth smaller than base64, which the agent's user data needs to fit.
 */
export function base85(data: Uint8Array): string {
  const padding = (4 - (data.length % 4)) % 4;
  const padded = new Uint8Array(data.length + padding);
  padded.set(data);
  const view = new DataView(padded.buffer);
  let out = '';
  for (let offset = 0; offset < padded.length; offset += 4) {
    let word = view.getUint32(offset);
    let group = '';
    for (let digit = 0; digit < 5; digit++) {
      group = ALPHABET[word % 85] + group;
      word = Math.floor(word / 85);
    }
    out += group;
  }
  return out.slice(0, out.length - padding);
}
