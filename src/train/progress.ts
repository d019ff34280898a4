import { SingleBar } from "cli-progress";
import type { EpochRecord } from "./checkpoint";
import { inNotebook, newLiveDisplay } from "../plot/display";
import { renderFigure } from "../plot/export";
import { trainingCurvesFigure } from "../plot/training";

/** Receives training progress; one per trained model. */
export interface ProgressReporter {
  step(done: number, stats: { epoch: number; loss: number; accuracy: number }): void;
  epoch(rec: EpochRecord, history: EpochRecord[]): Promise<void>;
  close(): void;
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");

/** One line per epoch (logs, CI, non-TTY terminals). */
function epochLine(label: string, epochs: number, r: EpochRecord): string {
  return `${label}epoch ${r.epoch + 1}/${epochs} lr ${r.lr.toPrecision(3)} loss ${fmt(r.trainLoss)} acc ${fmt(r.trainAccuracy)} | val loss ${fmt(r.valLoss)} acc ${fmt(r.valAccuracy)} auc ${fmt(r.valAuc)}${r.best ? " *" : ""} (${r.seconds.toFixed(1)}s)`;
}

/**
 * Picks the display: a cli-progress bar (loss, accuracy, ETA over the whole run) in a terminal,
 * a live training-curve figure updated in place in a notebook, one line per epoch otherwise.
 */
export function createProgress(
  mode: "auto" | "bar" | "log" | "none",
  opts: { label: string; epochs: number; stepsPerEpoch: number; startEpoch: number },
): ProgressReporter {
  const label = opts.label ? `${opts.label} ` : "";
  let m = mode;
  if (m === "auto") m = inNotebook() ? "log" : process.stderr.isTTY ? "bar" : "log";
  if (m === "none") return { step() {}, async epoch() {}, close() {} };
  if (m === "bar") {
    const total = opts.epochs * opts.stepsPerEpoch;
    const bar = new SingleBar({
      format: `${label}[{bar}] {percentage}% | ETA {eta_formatted} | ep {ep} | loss {loss} acc {acc} | val acc {vacc} auc {vauc}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: Math.max(10, opts.stepsPerEpoch * 2),
    });
    bar.start(total, opts.startEpoch * opts.stepsPerEpoch, { ep: `${opts.startEpoch + 1}/${opts.epochs}`, loss: "-", acc: "-", vacc: "-", vauc: "-" });
    return {
      step(done, s) {
        bar.update(done, { ep: `${s.epoch + 1}/${opts.epochs}`, loss: fmt(s.loss), acc: fmt(s.accuracy) });
      },
      async epoch(r) {
        bar.update({ vacc: fmt(r.valAccuracy), vauc: fmt(r.valAuc) });
      },
      close() {
        bar.stop();
      },
    };
  }
  // In a notebook: a live plot, updated in place after each epoch and replaced by the last epoch's
  // line when training ends, so a saved notebook holds only figures that have a recipe.
  const live = inNotebook() ? newLiveDisplay() : null;
  let last: Parameters<typeof epochLine>[2] | null = null;
  return {
    step() {},
    async epoch(r, history) {
      last = r;
      if (live) {
        try {
          live.png(await renderFigure(trainingCurvesFigure(history, `${label}training curves (epoch ${r.epoch + 1}/${opts.epochs})`), "png"));
        } catch (e) {
          live.text(`${epochLine(label, opts.epochs, r)} (live plot unavailable: ${(e as Error).message})`);
        }
      } else {
        console.error(epochLine(label, opts.epochs, r));
      }
    },
    close() {
      if (live && last) live.text(epochLine(label, opts.epochs, last));
    },
  };
}
