# syntax=docker/dockerfile:1
# The Grid silo for NVIDIA GPU nodes: the `grid` console built with TorchSharp's CUDA libtorch
# (`-p:GridTorchBackend=cuda`: libtorch-cuda-12.8-linux-x64 2.10.0, what TorchSharp-cuda-linux 0.107.0
# references), on an NVIDIA CUDA runtime image with the ASP.NET Core runtime copied in, as a non-root user.
# The node needs an NVIDIA driver for CUDA 12.8 (≥ 570) and the NVIDIA device plugin (deploy/k8s/README.md).
#
#   docker build -f deploy/docker/silo-gpu.Dockerfile -t grid-silo-gpu:dev .   # from the repository root
#   docker run --rm --gpus all grid-silo-gpu:dev silo --slots gpu=1
#
# Build arguments (all optional):
#   SDK_IMAGE          the .NET SDK image that builds         (default mcr.microsoft.com/dotnet/sdk:10.0)
#   DOTNET_IMAGE       where the ASP.NET Core runtime is copied from (default mcr.microsoft.com/dotnet/aspnet:10.0)
#   CUDA_IMAGE         the NVIDIA CUDA runtime it runs on     (default nvidia/cuda:12.8.1-runtime-ubuntu24.04;
#                      keep Ubuntu 24.04, the distribution of the .NET 10 images, so the copied runtime finds its libraries)
#   CONFIGURATION      Release or Debug                        (default Release)
#   APP_UID            the non-root user id                    (default 1654, as in the .NET images)
# The CUDA libtorch packages are large (several GB restored): give the builder the disk for it.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04

FROM ${DOTNET_IMAGE} AS dotnet

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
RUN dotnet restore src/Client/Grid.Client.csproj -p:GridTorchBackend=cuda
COPY src/ src/
COPY examples/ examples/
RUN dotnet publish src/Client/Grid.Client.csproj --no-restore -c ${CONFIGURATION} -o /app \
      -p:GridTorchBackend=cuda -p:UseAppHost=false

FROM ${CUDA_IMAGE} AS runtime
ARG APP_UID=1654
# What the .NET runtime needs on Ubuntu 24.04 (the official runtime-deps image installs the same).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libc6 libgcc-s1 libicu74 libssl3t64 libstdc++6 tzdata zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid ${APP_UID} app \
 && useradd --uid ${APP_UID} --gid ${APP_UID} --no-create-home --home-dir /tmp --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /app
COPY --from=build /app ./
ENV DOTNET_ROOT=/usr/share/dotnet \
    Grid__Silo__DataDir=/data \
    Grid__Silo__ArtifactsDir=/artifacts \
    Grid__Silo__HttpAddress=0.0.0.0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    OMP_WAIT_POLICY=PASSIVE
EXPOSE 11111 30000 8080 9464
USER ${APP_UID}
ENTRYPOINT ["dotnet", "/app/grid.dll"]
CMD ["silo", "--slots", "gpu=1"]
