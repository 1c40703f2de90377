/**
 * In-process wake-up of the webhook dispatcher after a commit that queued deliveries. Other
 * replicas learn of it through NOTIFY (PostgreSQL); the poll is the fallback for both.
 */
export class OutboxSignal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
