[assembly: Orleans.GenerateCodeForDeclaringAssembly(typeof(Grid.Abstractions.ContractsAssembly))]
