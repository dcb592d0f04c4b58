// The model's tickets and block sums: a small region at the end of the fixed arena that no program's
// activations use (emit.ts places it, model.cu.hbs names its offsets). A kernel whose blocks each
// compute part of a sum — split-K GEMM tiles (gemm.cu.hbs), the GPU's loss (loss.cu.hbs) — lets the
// last block to finish add the parts in a fixed order: every block publishes its part (a fence), then
// draws a ticket (an atomic increment); the one that draws the last ticket resets it to zero and adds
// the parts in order. One launch instead of two, and the same result whichever block comes last.
// The harness zeroes the region when it creates a replica (harness.cu: the desc's zeroed_bytes); each
// launch leaves its tickets at zero, so kernels share them: they run one after another on the
// replica's stream.

/** The tickets (unsigned), from the region's start: as many as the launch that draws the most. */
export const TILE_TICKETS = "(unsigned*)(r->fixed_arena + k_tile_tickets_offset)";

/** The blocks' partial sums (float), after the tickets: as many as the launch that stores the most. */
export const BLOCK_PARTIALS = "(float*)(r->fixed_arena + k_block_partials_offset)";

/** The region's layout for the launches of every program: offsets in the fixed arena, and its bytes. */
export function ticketRegion(activationFixedBytes: number, launches: readonly { readonly tileTickets?: number; readonly blockPartials?: number }[]) {
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const tickets = Math.max(0, ...launches.map((l) => l.tileTickets ?? 0));
  const partials = Math.max(0, ...launches.map((l) => l.blockPartials ?? 0));
  const ticketsOffset = align(activationFixedBytes);
  const partialsOffset = ticketsOffset + align(4 * tickets);
  const bytes = partialsOffset + align(4 * partials) - ticketsOffset;
  return { ticketsOffset, partialsOffset, bytes };
}
