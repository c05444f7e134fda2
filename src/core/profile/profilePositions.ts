import { findNodeAtLocation, type Node } from 'jsonc-parser';
import type { ProfileLocator, ProfilePosition, ProfileProblem } from './profileTypes';

/** 1-based line and column of an offset; lines end at \n (a \r before it belongs to the line). */
export function lineColumnAt(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - lineStarts[low] + 1 };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** Positions in one profile text: the parse tree gives offsets, line starts turn them into lines. */
export class ProfileText {
  private readonly lineStarts: number[];

  constructor(
    text: string,
    private readonly root: Node | undefined,
  ) {
    this.lineStarts = lineStartsOf(text);
  }

  at(path: ReadonlyArray<string | number>, offset: number, length: number): ProfilePosition {
    return { path: [...path], ...lineColumnAt(this.lineStarts, offset), offset, length };
  }

  node(path: ReadonlyArray<string | number>, node: Node): ProfilePosition {
    return this.at(path, node.offset, node.length);
  }

  /**
   * The value at `path`; when it is absent (a missing field), the start of the nearest parent that
   * exists, one character long, so an editor marks the object's brace rather than the whole file.
   */
  readonly locate: ProfileLocator = (path) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const found = this.root && findNodeAtLocation(this.root, [...path.slice(0, depth)]);
      if (found) return this.at(path, found.offset, depth === path.length ? found.length : 1);
    }
    return this.at(path, 0, 0);
  };

  problem(path: ReadonlyArray<string | number>, message: string): ProfileProblem {
    return { message, ...this.locate(path) };
  }
}
