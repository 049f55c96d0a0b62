using Grid.Client.Commands;

return await CommandRunner.InvokeAsync(GridCommandLine.Create(), args);
