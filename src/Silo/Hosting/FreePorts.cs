using System.Net;
using System.Net.Sockets;

namespace Grid.Silo.Hosting;

/// <summary>Free loopback ports for silos, gateways and servers started on this machine (the console, the benches, the tests).</summary>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port free on loopback right now and not handed out before by this process: the system may give
    /// the same free port to two calls in a row, before either is bound.
    /// </summary>
    public static int Next()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
