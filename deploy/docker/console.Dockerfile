# syntax=docker/dockerfile:1
# The `grid` console for talking to a cluster (`grid sweep submit|watch|list|results|cancel`,
# `grid cluster status`, `grid data fetch`): built without libtorch (`-p:GridTorchBackend=none`), so the
# image is small and commands that compute on this machine (`grid run`, `grid demo`, `grid bench`) are not
# for it (use the silo image). Non-root; the deploy/k8s/sweep Job runs it.
#
#   docker build -f deploy/docker/console.Dockerfile -t grid-console:dev .     # from the repository root
#   docker run --rm -v "$PWD/examples:/spec:ro" grid-console:dev sweep submit /spec/quick.json --redis HOST:6379 --watch
#
# Build arguments (all optional):
#   SDK_IMAGE       the .NET SDK image that builds        (default mcr.microsoft.com/dotnet/sdk:10.0)
#   RUNTIME_IMAGE   the runtime image (ASP.NET Core: the console links the silo host) (default mcr.microsoft.com/dotnet/aspnet:10.0)
#   CONFIGURATION   Release or Debug                       (default Release)
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
ARG CONFIGURATION=Release
WORKDIR /src
COPY .editorconfig global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Compute/Grid.Compute.csproj src/Compute/
COPY src/Core/Grid.Core.csproj src/Core/
COPY src/Abstractions/Grid.Abstractions.csproj src/Abstractions/
COPY src/Grains/Grid.Grains.csproj src/Grains/
COPY src/Silo/Grid.Silo.csproj src/Silo/
COPY src/Client/Grid.Client.csproj src/Client/
RUN dotnet restore src/Client/Grid.Client.csproj -p:GridTorchBackend=none
COPY src/ src/
COPY examples/ examples/
RUN dotnet publish src/Client/Grid.Client.csproj --no-restore -c ${CONFIGURATION} -o /app \
      -p:GridTorchBackend=none -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/grid.dll"]
CMD ["--help"]
