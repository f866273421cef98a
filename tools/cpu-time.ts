// How much CPU a run used, so a timing figure can say what the machine allowed.
import { readFileSync } from "node:fs";

/**
 * CPU seconds used so far by this process's finished children and their own finished
 * children: the kernel adds a process's time to its parent's when the parent reaps it
 * (cutime + cstime in /proc/self/stat, in ticks of 1/100 s). Undefined off Linux.
 * A process nobody waited for is missing, so the figure is a lower bound.
 * With N cores, no scheduling finishes work in less than its CPU time divided by N.
 */
export function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 here (from 1).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}
