using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// A minimal Chrome DevTools Protocol client over one page target's WebSocket: sends commands, evaluates
/// JavaScript, and records what the page reports as errors (console errors, uncaught exceptions, failed loads).
/// </summary>
public sealed class DevTools : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _next;

    /// <summary>Errors the page reported so far, in order.</summary>
    public IReadOnlyList<string> Errors => _errors.ToArray();

    /// <summary>Connects to the first page target of a browser whose DevTools listen on <paramref name="port"/>.</summary>
    public static async Task<DevTools> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list", cancellationToken))!.AsArray();
        var page = targets.FirstOrDefault(t => t!["type"]!.GetValue<string>() == "page")
            ?? throw new InvalidOperationException($"the browser has no page target: {targets.ToJsonString()}");
        var devTools = new DevTools();
        await devTools._socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), cancellationToken);
        devTools._receiving = devTools.ReceiveAsync();
        await devTools.SendAsync("Runtime.enable");
        await devTools.SendAsync("Log.enable");
        await devTools.SendAsync("Page.enable");
        return devTools;
    }

    /// <summary>Sends a command and returns its result; a protocol error throws with the method's name.</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null)
    {
        int id = Interlocked.Increment(ref _next);
        var reply = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        var response = await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (response["error"] is { } error)
        {
            throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
        }
        return response["result"] ?? new JsonObject();
    }

    /// <summary>Evaluates an expression in the page (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"evaluating `{expression}` threw: {exception.ToJsonString()}");
        }
        return result["result"]?["value"];
    }

    /// <summary>Navigates and waits for the page's load event.</summary>
    public async Task NavigateAsync(string url)
    {
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        if (result["errorText"] is { } error)
        {
            throw new InvalidOperationException($"navigating to {url} failed: {error}");
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }
                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if (node["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var reply))
                {
                    reply.TrySetResult(node);
                }
                else if (node["method"]?.GetValue<string>() is { } method)
                {
                    OnEvent(method, node["params"]);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Closing.
        }
        foreach (var reply in _pending.Values)
        {
            reply.TrySetException(new InvalidOperationException("the DevTools connection closed"));
        }
    }

    private void OnEvent(string method, JsonNode? parameters)
    {
        if (parameters is null)
        {
            return;
        }
        if (method == "Runtime.consoleAPICalled")
        {
            string type = parameters["type"]?.GetValue<string>() ?? "";
            if (type is "error" or "assert")
            {
                var args = parameters["args"]?.AsArray() ?? [];
                _errors.Enqueue("console: " + string.Join(" ", args.Select(a => (a?["value"] ?? a?["description"])?.ToString())));
            }
        }
        else if (method == "Runtime.exceptionThrown")
        {
            _errors.Enqueue("exception: " + parameters["exceptionDetails"]?.ToJsonString());
        }
        else if (method == "Log.entryAdded")
        {
            var entry = parameters["entry"];
            if (entry?["level"]?.GetValue<string>() == "error")
            {
                _errors.Enqueue("log: " + entry["text"] + " " + entry["url"]);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The browser may already be gone.
        }
        await _receiving;
        _socket.Dispose();
        _stop.Dispose();
    }
}
