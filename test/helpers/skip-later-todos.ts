// The student loop's stop, inside a test file (see tools/stop-at-first-todo.ts for the run as
// a whole). Once a test of TODO n has failed, a later test in the same file that is only about
// TODOs after n cannot change which TODO the student reads next: it is skipped, and the
// checklist shows it as "not checked until TODO n passes". Deciding here, not in the main
// process, means the skip is certain: a cancel sent from there may arrive after the next test
// has begun. Only in the loop (WORKSHOP_LOOP=1); `--full` and verify run every test.
import path from "node:path";
import { beforeEach } from "vitest";
import { todoOfFailure, todosInTitle } from "../../tools/curriculum.ts";

let firstFailedTodo: number | undefined;

if (process.env.WORKSHOP_LOOP === "1") {
  beforeEach((context) => {
    const todos = todosInTitle(context.task.name);
    if (firstFailedTodo !== undefined && todos.length > 0 && Math.min(...todos) > firstFailedTodo)
      context.skip(`not checked until TODO ${firstFailedTodo} passes`);
    context.onTestFailed(({ task }) => {
      const labId = path.basename(task.file.name).slice(0, "labNN".length);
      const message = task.result?.errors?.[0]?.message ?? "";
      const todo = todoOfFailure(message, task.name, labId);
      if (todo !== undefined) firstFailedTodo = Math.min(firstFailedTodo ?? todo, todo);
    });
  });
}
