using Grid.Client.Commands;
using Grid.Compute;

// Before anything loads libtorch, whose OpenMP reads its settings once.
OpenMpWaits.Bound();
return await CommandRunner.InvokeAsync(GridCommandLine.Create(), args);
