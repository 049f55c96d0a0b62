namespace Grid.Compute.Data;

/// <summary>
/// A dataset file is missing or malformed. The message names the file and what is wrong, so
/// the console can show it as it is, without a stack trace.
/// </summary>
public sealed class DatasetException(string message, Exception? inner = null) : Exception(message, inner);
