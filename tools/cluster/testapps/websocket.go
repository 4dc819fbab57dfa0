package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/net/websocket"
)

// wsEcho answers every WebSocket message with `<pod>: <message>` (mounted at /ws on the HTTP server).
var wsEcho = websocket.Handler(func(c *websocket.Conn) {
	for {
		var msg string
		if err := websocket.Message.Receive(c, &msg); err != nil {
			return
		}
		if err := websocket.Message.Send(c, podName()+": "+msg); err != nil {
			return
		}
	}
})

// wsCall sends each message over one WebSocket to url with the given headers and prints the replies.
func wsCall(url string, headers []string, messages []string) error {
	config, err := websocket.NewConfig(url, strings.Replace(url, "ws", "http", 1))
	if err != nil {
		return err
	}
	config.Header = http.Header{}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, "=")
		if !ok {
			return fmt.Errorf("--header wants k=v, got %q", h)
		}
		config.Header.Add(k, v)
	}
	c, err := websocket.DialConfig(config)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, m := range messages {
		if err := websocket.Message.Send(c, m); err != nil {
			return err
		}
		var reply string
		if err := websocket.Message.Receive(c, &reply); err != nil && err != io.EOF {
			return err
		}
		fmt.Println(reply)
	}
	return nil
}
