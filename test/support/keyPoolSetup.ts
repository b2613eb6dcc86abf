// jest setupFiles: the emulator signs with this run's pool of RSA key pairs (keyPool.ts).
import { installSigningKeyPool } from "./keyPool";

installSigningKeyPool();
