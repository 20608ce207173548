// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "sample_status.hpp"
#include "status_json.hpp"

TEST_CASE("status.json: the document of a small status") {
  const auto j = xvsd::web::status_json(xvsd::test::sample_status());
  CHECK(j.dump(2) == R"json({
  "config": {
    "file": "/etc/xvsd/config.yaml",
    "generation": 2,
    "last_reload_error": ""
  },
  "info": {
    "latency_ns": 250,
    "metrics": {
      "current": 2,
      "flows": 3,
      "latency_ns": 250,
      "latency_samples": 4,
      "not_a_vip": 7,
      "octets": 2000,
      "packets": 10
    },
    "nat": {
      "ipv4": "10.255.255.254",
      "ipv6": ""
    },
    "stats": {
      "bytes": 2000,
      "flows": 3,
      "packets": 10
    }
  },
  "interfaces": [
    "eth0"
  ],
  "started_ms": 1700000000000,
  "taken_ms": 1700000001000,
  "vips": [
    {
      "address": "192.0.2.1",
      "healthy": true,
      "metrics": {
        "current": 2,
        "syn": 3
      },
      "services": [
        {
          "address": "192.0.2.1",
          "backends": [
            {
              "active_connections": 2,
              "address": "198.18.0.2",
              "administratively_disabled": false,
              "checks": [
                {
                  "detail": "",
                  "duration_us": 1500,
                  "last_run_ms": 1700000000900,
                  "ok": true,
                  "target": "10.255.0.2:80/healthz",
                  "type": "http"
                }
              ],
              "disable": false,
              "healthy": true,
              "mac": "02:00:00:00:00:02",
              "metrics": {
                "syn": 2
              },
              "nat": "10.255.0.2",
              "since_ms": 1700000000500,
              "stats": {
                "bytes": 1200,
                "flows": 2,
                "packets": 6
              },
              "tunnel": {
                "no_checksum": false,
                "port": 0,
                "type": "none"
              },
              "weight": 1
            },
            {
              "active_connections": 0,
              "address": "198.18.0.3",
              "administratively_disabled": false,
              "checks": [
                {
                  "detail": "status 503",
                  "duration_us": 2500,
                  "last_run_ms": 1700000000950,
                  "ok": false,
                  "target": "10.255.0.3:80/healthz",
                  "type": "http"
                }
              ],
              "disable": true,
              "healthy": false,
              "mac": "02:00:00:00:00:02",
              "metrics": {
                "syn": 1
              },
              "nat": "10.255.0.3",
              "since_ms": 1700000000500,
              "stats": {
                "bytes": 800,
                "flows": 1,
                "packets": 4
              },
              "tunnel": {
                "no_checksum": false,
                "port": 0,
                "type": "none"
              },
              "weight": 1
            }
          ],
          "description": "front end",
          "healthy": true,
          "key": "192.0.2.1:80/tcp",
          "metrics": {
            "current": 2,
            "syn": 3
          },
          "name": "web",
          "need": 1,
          "port": 80,
          "protocol": "tcp",
          "since_ms": 1700000000600,
          "stats": {
            "bytes": 2000,
            "flows": 3,
            "packets": 10
          },
          "sticky": false
        }
      ],
      "since_ms": 1700000000600,
      "stats": {
        "bytes": 2000,
        "flows": 3,
        "packets": 10
      }
    }
  ]
})json");
}

TEST_CASE("status.json: flow sharing, when configured") {
  auto st = xvsd::test::sample_status();
  CHECK_FALSE(xvsd::web::status_json(st).contains("flow_sharing"));
  st.share.enabled = true;
  st.share.replayed = 3;
  st.share.peers = {{xvs::IPAddr::parse("10.0.0.3"), false, 0}};
  const auto j = xvsd::web::status_json(st).at("flow_sharing");
  CHECK(j.at("rejected").at("replayed") == 3);
  CHECK(j.at("rejected").at("forged") == 0);
  CHECK(j.at("peers").at(0).at("address") == "10.0.0.3");
  CHECK(j.at("peers").at(0).at("alive") == false);
}

TEST_CASE("status.json: route health injection, when configured") {
  auto st = xvsd::test::sample_status();
  CHECK_FALSE(xvsd::web::status_json(st).contains("routes"));
  st.routes.enabled = true;
  st.routes.held = false;
  st.routes.in_sync = true;
  st.routes.announced = {xvs::IPAddr::parse("192.0.2.10"), xvs::IPAddr::parse("2001:db8::1")};
  const auto j = xvsd::web::status_json(st).at("routes");
  CHECK(j.at("held") == false);
  CHECK(j.at("in_sync") == true);
  CHECK(j.at("announced") == nlohmann::json::array({"192.0.2.10", "2001:db8::1"}));
  CHECK(j.at("error") == "");
}
