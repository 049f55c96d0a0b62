// Grid.Abstractions references Microsoft.Orleans.Sdk and generates its own serializers and grain
// proxies. Asking this project to generate them again ([assembly: GenerateCodeForDeclaringAssembly])
// fails with ORLEANS0110 once Abstractions holds [GenerateSerializer] types, because this project
// compiles against Abstractions' reference assembly.
