/**
 * `npm run console:hash-password`: reads a password from stdin (one line; typed without echo on a terminal) and
 * prints its hash for CONSOLE_USERS (`name:role:<hash>`). The password never appears in the shell's history.
 */
import { hashPassword } from '../auth/password';

async function readPassword(): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  // A terminal: raw mode, so nothing typed is echoed; Enter ends the password, Ctrl-C gives up.
  process.stderr.write('password: ');
  input.setRawMode(true);
  input.resume();
  let typed = '';
  for await (const chunk of input) {
    for (const ch of (chunk as Buffer).toString('utf8')) {
      if (ch === '\u0003') process.exit(130);
      if (ch === '\r' || ch === '\n') {
        input.setRawMode(false);
        input.pause();
        process.stderr.write('\n');
        return typed;
      }
      typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
    }
  }
  return typed;
}

void (async () => {
  const password = await readPassword();
  if (password.length < 12) {
    process.stderr.write('console:hash-password: a password of at least 12 characters, please\n');
    process.exit(1);
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
})();
