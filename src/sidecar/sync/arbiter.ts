// The fast path and the volume never fight (DESIGN.md §6). Both feed the same gate, so the same
// content twice does nothing; what remains is kubelet lagging behind the API: after the watch
// delivered v1 then v2, the volume may still show v1 for a while. A volume version the API
// already superseded is stale and skipped. A volume version the API never delivered (the
// watch is down, or the fast path is off) goes through: the volume stays the fallback.
const REMEMBERED = 32;

export class SourceArbiter {
  readonly #fromApi: string[] = [];

  noteApi(hash: string): void {
    const at = this.#fromApi.indexOf(hash);
    if (at >= 0) this.#fromApi.splice(at, 1);
    this.#fromApi.push(hash);
    if (this.#fromApi.length > REMEMBERED) this.#fromApi.shift();
  }

  /** True when the API delivered `hash` earlier and a newer version after it. */
  isStaleVolume(hash: string): boolean {
    const at = this.#fromApi.indexOf(hash);
    return at >= 0 && at < this.#fromApi.length - 1;
  }
}
