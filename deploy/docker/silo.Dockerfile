# syntax=docker/dockerfile:1
# The Grid silo for CPU nodes: the `grid` console (which hosts the silo: `grid silo`) with the CPU build of
# libtorch, on the official ASP.NET Core runtime image, running as the image's non-root user (uid 1654).
#
#   docker build -f deploy/docker/silo.Dockerfile -t grid-silo:dev .          # from the repository root
#   docker run --rm -p 8080:8080 grid-silo:dev silo --slots cpu=1             # one embedded silo; deploy/k8s for a cluster
#
# Build arguments (all optional):
#   SDK_IMAGE       the .NET SDK image that builds        (default mcr.microsoft.com/dotnet/sdk:10.0)
#   RUNTIME_IMAGE   the ASP.NET Core runtime image it runs on (default mcr.microsoft.com/dotnet/aspnet:10.0)
#   CONFIGURATION   Release or Debug                       (default Release)
#   TORCH_BACKEND   GridTorchBackend: cpu (default) or none (no libtorch; a silo then cannot compute)
# The .NET 10 images are Ubuntu 24.04, whose libstdc++ has GLIBCXX_3.4.32: the build's patch for Debian 12
# (Directory.Build.targets) leaves libLibTorchSharp.so untouched there.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
ARG CONFIGURATION=Release
ARG TORCH_BACKEND=cpu
WORKDIR /src
# Restore first, from the project files only, so that a source change does not download libtorch again.
COPY .editorconfig global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Compute/Grid.Compute.csproj src/Compute/
COPY src/Core/Grid.Core.csproj src/Core/
COPY src/Abstractions/Grid.Abstractions.csproj src/Abstractions/
COPY src/Grains/Grid.Grains.csproj src/Grains/
COPY src/Silo/Grid.Silo.csproj src/Silo/
COPY src/Client/Grid.Client.csproj src/Client/
RUN dotnet restore src/Client/Grid.Client.csproj -p:GridTorchBackend=${TORCH_BACKEND}
COPY src/ src/
COPY examples/ examples/
RUN dotnet publish src/Client/Grid.Client.csproj --no-restore -c ${CONFIGURATION} -o /app \
      -p:GridTorchBackend=${TORCH_BACKEND} -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
# Data and artifacts live on volumes (deploy/k8s mounts them); the root filesystem can be read-only.
ENV Grid__Silo__DataDir=/data \
    Grid__Silo__ArtifactsDir=/artifacts \
    Grid__Silo__HttpAddress=0.0.0.0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    OMP_WAIT_POLICY=PASSIVE
# The silo port, the client gateway, /healthz /readyz and the results pages, /metrics (with --metrics-port 9464).
EXPOSE 11111 30000 8080 9464
# APP_UID (1654) is the non-root user of the official .NET images; numeric, so runAsNonRoot can check it.
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/grid.dll"]
CMD ["silo"]
