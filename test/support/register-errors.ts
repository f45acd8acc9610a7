// Jest setupFiles: the error catalog as the app has it (src/app.errors.ts registers every
// module's codes), also for unit tests that throw module errors without building the app.
import '../../src/app.errors.js';
