/**
 * What the tests of a doc page read from it: its fenced blocks (the commands of its sh blocks,
 * a heredoc's body as the command's input), the pictures it shows, and whether a program's
 * output has the shape of a sample the page prints.
 */

/** The bodies of the page's fenced blocks of one language, in order. */
export function fenced(doc: string, lang: string): string[] {
  return [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** A command of an sh block; `input` is the body of its heredoc (`cmd <<'EOF'` … `EOF`). */
export interface DocCommand {
  line: string;
  input?: string;
}

/** Every command of the page's sh blocks, in order. */
export function shCommands(doc: string): DocCommand[] {
  const commands: DocCommand[] = [];
  for (const block of fenced(doc, 'sh')) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    for (let i = 0; i < lines.length; i++) {
      const heredoc = /^(.*?)\s*<<'(\w+)'$/.exec(lines[i]);
      if (!heredoc) {
        commands.push({ line: lines[i].trim() });
        continue;
      }
      const end = lines.indexOf(heredoc[2], i + 1);
      if (end < 0) throw new Error(`heredoc ${heredoc[2]} of "${lines[i]}" has no end`);
      commands.push({ line: heredoc[1], input: lines.slice(i + 1, end).join('\n') + '\n' });
      i = end;
    }
  }
  return commands;
}

/** The pictures the page shows (`![...](img/DIR/NAME.png)`), as NAME.png, for one folder. */
export function pictures(doc: string, dir: string): string[] {
  return [...doc.matchAll(new RegExp(`!\\[[^\\]]*\\]\\(img/${dir}/([^)]+)\\)`, 'g'))].map((m) => m[1]);
}

const NUMBER = /\d+(?:\.\d+)?/g;

/** The keys of a JSON object line, in order, or undefined for a line that is not one. */
function jsonKeys(line: string): string | undefined {
  return line.startsWith('{') ? Object.keys(JSON.parse(line)).join() : undefined;
}

/**
 * Whether an output line is like a sample line: numbers aside and runs of spaces (table columns)
 * aside; a JSON object line is like another with the same keys in the same order (its lists of
 * numbers have other lengths).
 */
function likeLine(sample: string): (line: string) => boolean {
  const keys = jsonKeys(sample.trim());
  if (keys !== undefined) return (line) => jsonKeys(line) === keys;
  const parts = sample.trim().split(NUMBER);
  const escaped = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, ' +'));
  const pattern = new RegExp(`^${escaped.join('\\d+(?:\\.\\d+)?')}$`);
  return (line) => pattern.test(line);
}

/**
 * The sample's lines that `output` does not have, in order and numbers aside: each sample line
 * must match a later line of the output than the one before it did (lines between are skipped:
 * a sample shows a part). `^C` is the terminal's echo of Ctrl-C, not output.
 */
export function unlike(sample: string, output: string): string[] {
  const lines = output.split('\n').map((l) => l.trim());
  const missing: string[] = [];
  let at = 0;
  for (const s of sample.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '^C')) {
    const like = likeLine(s);
    const hit = lines.findIndex((l, i) => i >= at && like(l));
    if (hit < 0) missing.push(s);
    else at = hit + 1;
  }
  return missing;
}

/**
 * The text blocks (sample outputs) the page shows after the command of an sh block that starts
 * with `line`, up to the next sh block.
 */
export function samplesAfter(doc: string, line: string): string[] {
  const at = doc.indexOf(`\n${line}`);
  if (at < 0) throw new Error(`no command "${line}" in the page`);
  const next = doc.indexOf('```sh\n', at);
  return fenced(doc.slice(at, next < 0 ? undefined : next), 'text');
}
