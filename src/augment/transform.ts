import { createRng, Rng } from "../util/rng";

/**
 * A random cube transform that owns its random state (MONAI `Randomizable` style): `setRng`
 * replaces the stream it draws from, `apply` draws what it needs and returns a new cube. It never
 * touches the input array, so one sample's crop can be augmented many times.
 */
export interface RandomCubeTransform {
  readonly name: string;
  /** Replaces the random stream. */
  setRng(rng: Rng): this;
  /** Transforms a z-major cube of edge `n`; returns a new array. */
  apply(cube: Float32Array, n: number): Float32Array;
}

/** Base class holding the RNG; the default stream is seeded with 0 until `setRng` is called. */
export abstract class RandomizableCubeTransform implements RandomCubeTransform {
  abstract readonly name: string;
  protected rng: Rng = createRng(0, "augment:unset");

  setRng(rng: Rng): this {
    this.rng = rng;
    return this;
  }

  abstract apply(cube: Float32Array, n: number): Float32Array;
}
