{
  "targets": [
    {
      "target_name": "hotcycle",
      "sources": ["native/hotcycle.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
