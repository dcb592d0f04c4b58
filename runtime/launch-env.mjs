// Loaded (node --import) before each rank's script under `tsdp launch`'s mpirun: torchrun's
// variables from Open MPI's, so a script ported from a torchrun job reads RANK, WORLD_SIZE,
// LOCAL_RANK and LOCAL_WORLD_SIZE as it did there (they were unset: NaN ranks). Set over whatever
// the launching shell had (as torchrun sets them): a RANK=7 exported there would reach every rank.
// tsdp itself reads Open MPI's first (runtime/distributed.ts), so the job is the same either way.
const FROM_OPEN_MPI = {
  RANK: "OMPI_COMM_WORLD_RANK",
  WORLD_SIZE: "OMPI_COMM_WORLD_SIZE",
  LOCAL_RANK: "OMPI_COMM_WORLD_LOCAL_RANK",
  LOCAL_WORLD_SIZE: "OMPI_COMM_WORLD_LOCAL_SIZE",
};
for (const [name, source] of Object.entries(FROM_OPEN_MPI)) if (process.env[source] !== undefined) process.env[name] = process.env[source];
