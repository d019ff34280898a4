import type { ScheduleConfig } from "./config";

/**
 * Learning rate for 0-based `epoch` of `epochs`.
 *
 * `reference` reproduces NAS-Lung's `get_lr` (main.py / mainsp.py): at the start of 1-based epoch
 * e it runs `if e + 1 > E - D: lr -= lr / D`, so the rate is constant through 1-based epoch
 * E - D - 1 and is multiplied by (1 - 1/D) at the start of every later epoch:
 * lr(e) = base * (1 - 1/D)^max(0, e - (E - D) + 1) with e 1-based. With E = 400, D = 70 the
 * first decayed epoch is 330 and the last epoch trains at base * (69/70)^71 = 0.36 base.
 *
 * With `warmupEpochs` W > 0 the first W epochs ramp linearly (base (e + 1) / W) and the schedule
 * then runs over the remaining E - W epochs as if they were the whole run.
 */
export function learningRateAt(base: number, schedule: ScheduleConfig, epoch: number, epochs: number): number {
  const W = schedule.warmupEpochs ?? 0;
  if (W > 0) {
    if (epoch < W) return (base * (epoch + 1)) / W;
    return scheduledRate(base, schedule, epoch - W, epochs - W);
  }
  return scheduledRate(base, schedule, epoch, epochs);
}

function scheduledRate(base: number, schedule: ScheduleConfig, epoch: number, epochs: number): number {
  switch (schedule.name) {
    case "constant":
      return base;
    case "reference": {
      const D = schedule.decayEpochs;
      const e1 = epoch + 1;
      const decays = Math.max(0, e1 - (epochs - D) + 1);
      // Repeated multiplication, as the reference does, rather than pow (last-bit agreement).
      let lr = base;
      for (let i = 0; i < decays; i++) lr -= lr / D;
      return lr;
    }
    case "step": {
      let lr = base;
      for (const m of schedule.milestones) if (epoch >= m) lr *= schedule.gamma;
      return lr;
    }
    case "cosine": {
      const t = epochs > 1 ? epoch / (epochs - 1) : 1;
      return schedule.minLr + ((base - schedule.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
    }
  }
}
