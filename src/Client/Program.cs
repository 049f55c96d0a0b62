Console.WriteLine("grid");
