// The focus after a reveal asked for from the panel. The click that asks focuses the panel, and the workbench learns
// of a webview's focus by polling (every 250 ms): when it hears of it only after the reveal, the panel becomes the
// active editor again and the keys the user types next go to it (seen once in the notebook e2e under load). So
// within a moment of a reveal, the panel turning active gives the editor the focus back, once. No vscode import:
// the panel's activation comes in as an event.

/** How long after a reveal the panel turning active is taken for the click's late focus. */
export const FOCUS_GUARD_MS = 600;

export interface Subscription {
  dispose(): void;
}

/** Calls `refocus` once if `onActive` fires within `ms`; stops listening after either. */
export function guardFocus(onActive: (listener: () => void) => Subscription, refocus: () => void, ms = FOCUS_GUARD_MS): Subscription {
  let done = false;
  const stop = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    watch.dispose();
  };
  const watch = onActive(() => {
    if (done) return;
    stop();
    refocus();
  });
  const timer = setTimeout(stop, ms);
  return { dispose: stop };
}
