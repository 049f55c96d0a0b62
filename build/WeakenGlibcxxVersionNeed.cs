// MSBuild inline task (see Directory.Build.targets). Sets VER_FLG_WEAK on one version need
// of an ELF64 shared library when the system libstdc++ does not provide that version.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenGlibcxxVersionNeed : Task
{
    [Required] public string LibraryPath { get; set; } = "";
    [Required] public string VersionName { get; set; } = "";

    private const ushort VerFlagWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    private static readonly string[] LibstdcxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        string systemLib = Array.Find(LibstdcxxCandidates, File.Exists);
        if (systemLib is null)
        {
            Log.LogMessage(MessageImportance.Low, "No system libstdc++ found; leaving {0} unchanged.", LibraryPath);
            return true;
        }
        if (Contains(File.ReadAllBytes(systemLib), Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, "{0} provides {1}; no patch needed.", systemLib, VersionName);
            return true;
        }

        byte[] elf = File.ReadAllBytes(LibraryPath);
        int patched = Patch(elf, VersionName, out string error);
        if (error is not null)
        {
            Log.LogWarning("Cannot patch {0}: {1}", LibraryPath, error);
            return true;
        }
        if (patched > 0)
        {
            // Delete first so a hard link into the NuGet cache is broken, never written through.
            string temp = LibraryPath + ".tmp";
            File.WriteAllBytes(temp, elf);
            File.Delete(LibraryPath);
            File.Move(temp, LibraryPath);
            Log.LogMessage(MessageImportance.Normal, "Marked {0} weak in {1} ({2} is missing it).", VersionName, LibraryPath, systemLib);
        }
        return true;
    }

    private static int Patch(byte[] elf, string versionName, out string error)
    {
        error = null;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            error = "not an ELF file";
            return 0;
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            error = "not a little-endian ELF64 file";
            return 0;
        }
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        int changed = 0;
        bool found = false;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(elf, (int)sh + 4);
            if (type != ShtGnuVerneed)
            {
                continue;
            }
            found = true;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(elf, (int)sh + 0x28);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long need = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                uint auxOffset = BitConverter.ToUInt32(elf, (int)need + 8);
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                long aux = need + auxOffset;
                for (int j = 0; j < count; j++)
                {
                    uint name = BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, strtab + name) == versionName)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(elf, (int)aux + 4);
                            changed++;
                        }
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                if (next == 0)
                {
                    break;
                }
                need += next;
            }
        }
        if (!found)
        {
            error = "no .gnu.version_r section";
        }
        return changed;
    }

    private static string ReadCString(byte[] data, long start)
    {
        long end = start;
        while (end < data.Length && data[end] != 0)
        {
            end++;
        }
        return Encoding.ASCII.GetString(data, (int)start, (int)(end - start));
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }
            if (j == needle.Length)
            {
                return true;
            }
        }
        return false;
    }
}
