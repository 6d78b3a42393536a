;; stdin to stdout with a-z made A-Z
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $n i32) (local $i i32) (local $b i32)
    (loop $more
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 60000))
      (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)) (then (return)))
      (local.set $n (i32.load (i32.const 16)))
      (if (i32.eqz (local.get $n)) (then (return)))
      (local.set $i (i32.const 0))
      (block $done
        (loop $each
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $b (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
          (if (i32.and (i32.ge_u (local.get $b) (i32.const 97)) (i32.le_u (local.get $b) (i32.const 122)))
            (then (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.sub (local.get $b) (i32.const 32)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $each)))
      (i32.store (i32.const 32) (i32.const 1024))
      (i32.store (i32.const 36) (local.get $n))
      (drop (call $write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48)))
      (br $more))))
